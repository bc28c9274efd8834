using System.Reflection;

namespace Illumos.Conformance;

/// <summary>An external conformance suite. Implementations are found by reflection, one class per suite.</summary>
public interface IConformanceSuite
{
    /// <summary>The name used on the command line (ipfilter, dtrace).</summary>
    string Name { get; }

    /// <summary>
    /// Runs the tests under <paramref name="path"/> (optionally only those named in <paramref name="listFile"/>),
    /// writing one line per test ("&lt;id&gt; pass" or "&lt;id&gt; FAIL &lt;reason&gt;") and finally "N passed, N failed".
    /// Returns the number of failures.
    /// </summary>
    int Run(string path, string? listFile, TextWriter output);
}

public static class Program
{
    public static int Main(string[] args)
    {
        // Usage: Illumos.Conformance <suite> --path <dir> [--list <file>] [--min-pass-percent N]
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: Illumos.Conformance <suite> --path <dir> [--list <file>]");
            return 2;
        }
        string? path = null, list = null;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--path": path = args[++i]; break;
                case "--list": list = args[++i]; break;
                default: Console.Error.WriteLine($"unknown argument '{args[i]}'"); return 2;
            }
        }
        var suites = Assembly.GetExecutingAssembly().GetTypes()
            .Where(t => typeof(IConformanceSuite).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IConformanceSuite)Activator.CreateInstance(t)!)
            .ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        if (!suites.TryGetValue(args[0], out var suite))
        {
            Console.Error.WriteLine($"unknown suite '{args[0]}'; known: {string.Join(", ", suites.Keys.Order())}");
            return 2;
        }
        if (path is null || !Directory.Exists(path))
        {
            Console.Error.WriteLine($"--path must name an existing directory (got '{path}')");
            return 2;
        }
        var failures = suite.Run(path, list, Console.Out);
        return failures == 0 ? 0 : 1;
    }
}
