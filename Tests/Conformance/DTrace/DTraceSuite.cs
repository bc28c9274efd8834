using Illumos.Engine.Tracing.Testing;

namespace Illumos.Conformance.DTrace;

/// <summary>
/// The DTrace conformance suite: runs the D tests of a folder laid out like shared/conformance/dtrace
/// on the embedded engine and judges them as the suite README describes (see <see cref="DTestRunner"/>).
/// </summary>
public sealed class DTraceSuite : IConformanceSuite
{
    public string Name => "dtrace";

    public int Run(string path, string? listFile, TextWriter output)
    {
        var results = DTestRunner.RunAll(path, listFile, line => { lock (output) output.WriteLine(line); });
        int failed = results.Count(r => !r.Pass);
        output.WriteLine($"{results.Count - failed} passed, {failed} failed");
        return failed;
    }
}
