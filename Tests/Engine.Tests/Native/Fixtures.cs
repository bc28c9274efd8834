using Xunit;

namespace Illumos.Engine.Tests.Native;

/// <summary>
/// The real command outputs in ../shared/fixtures/illumos-outputs, found by walking up from the test
/// assembly's directory to a folder that contains shared/. The data stays there; tests read it.
/// </summary>
public static class Fixtures
{
    public static readonly string? Directory = Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures", "illumos-outputs");
            if (System.IO.Directory.Exists(Path.Combine(dir.FullName, "shared")) && System.IO.Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    public const string MissingMessage = "The fixtures folder shared/fixtures/illumos-outputs was not found above the test assembly; fixture tests are skipped.";

    /// <summary>A sample's captured output: every leading "#@ " header line stripped, bytes otherwise as stored.</summary>
    public static string Read(string file)
    {
        var path = Path.Combine(Directory ?? throw new InvalidOperationException(MissingMessage), file);
        var text = File.ReadAllText(path);
        while (text.StartsWith("#@ ", StringComparison.Ordinal) || text.StartsWith("#@\n", StringComparison.Ordinal))
        {
            int nl = text.IndexOf('\n');
            text = nl < 0 ? "" : text[(nl + 1)..];
        }
        return text;
    }

    public static IEnumerable<string> All() =>
        Directory is null ? Array.Empty<string>() : System.IO.Directory.EnumerateFiles(Directory, "*.txt").Select(Path.GetFileName).Where(n => n is not null && n != "INDEX.md").Select(n => n!).OrderBy(n => n, StringComparer.Ordinal);
}

/// <summary>A fact that is skipped with a message when the fixtures are absent.</summary>
public sealed class FixtureFactAttribute : FactAttribute
{
    public FixtureFactAttribute() { if (Fixtures.Directory is null) Skip = Fixtures.MissingMessage; }
}

/// <summary>A theory that is skipped with a message when the fixtures are absent.</summary>
public sealed class FixtureTheoryAttribute : TheoryAttribute
{
    public FixtureTheoryAttribute() { if (Fixtures.Directory is null) Skip = Fixtures.MissingMessage; }
}
