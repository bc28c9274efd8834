using System.Diagnostics;
using System.Text;
using CsCheck;
using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Native.Commands;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Native;

/// <summary>
/// Names and values full of shell syntax go through the argv builders and SshRunner.RemoteCommand,
/// then through a real <c>sh -c</c>; stand-in zfs/zpool commands print the argv they receive, which
/// must be exactly the intended one (and nothing else may run).
/// </summary>
public sealed class QuotingPropertyTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "illumos-quote-" + Guid.NewGuid().ToString("N"));
    private readonly string _canary;

    public QuotingPropertyTests()
    {
        var bin = Path.Combine(_dir, "bin");
        Directory.CreateDirectory(bin);
        _canary = Path.Combine(_dir, "pwned");
        foreach (var tool in new[] { "zfs", "zpool", "sh", "dd" }) // sh and dd: the file and volume commands
        {
            var path = Path.Combine(bin, tool);
            // prints LC_ALL, the tool's own name, then every argument, each followed by NUL
            File.WriteAllText(path, "#!/bin/sh\nprintf '%s\\0' \"$LC_ALL\" \"${0##*/}\" \"$@\"\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private const string Nasty = " '\"`$();|&<>*?[]\\\n\t~#!{}=%^,:@";
    private const string Plain = "abcXYZ019-_.";
    private const string Wide = "é€Ωñ中😀";

    // whole text elements, so a generated value is always valid Unicode (an emoji is one atom)
    private static readonly string[] Atoms = (Plain + Nasty).Select(c => c.ToString()).Concat(["é", "€", "Ω", "ñ", "中", "😀", "\u00a0"]).ToArray();

    private static readonly Gen<string> NastyText =
        Gen.Frequency(
            (4, Gen.OneOfConst(Atoms).Array[1, 24].Select(a => string.Concat(a))),
            (1, Gen.OneOfConst("$(touch pwned)", "`touch pwned`", "'; touch pwned; '", "\"; touch pwned; \"", "a\nb", "${IFS}", "-rf", "*", "\\'", "'\\''")));

    private static readonly Gen<string> Component = Gen.Char["abcdefghXYZ0123456789-_.: "].Array[1, 12].Select(a => new string(a)).Where(c => c is not "." and not "..");
    private static readonly Gen<string> Dataset = Gen.Select(Component.Array[0, 3], cs => "tank" + string.Concat(cs.Select(c => "/" + c)));

    private List<string> RunThroughShell(IReadOnlyList<string> argv)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(SshRunner.RemoteCommand(argv));
        psi.Environment["PATH"] = Path.Combine(_dir, "bin") + ":/usr/bin:/bin";
        psi.Environment.Remove("LC_ALL");
        psi.StandardOutputEncoding = Encoding.UTF8;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"sh failed ({p.ExitCode}): {stderr}");
        var parts = stdout.Split('\0').ToList();
        Assert.Equal("", parts[^1]);
        parts.RemoveAt(parts.Count - 1);
        return parts;
    }

    private void AssertReceived(IReadOnlyList<string> argv)
    {
        var got = RunThroughShell(argv);
        Assert.Equal("C", got[0]);
        Assert.Equal(argv, got.Skip(1).ToArray());
        Assert.False(File.Exists(_canary), "a generated value ran a command");
    }

    [ShellFact]
    public void Any_argv_reaches_the_command_exactly()
    {
        Gen.Select(NastyText.Array[0, 6], a => (IReadOnlyList<string>)new[] { "zfs" }.Concat(a).ToArray())
            .Sample(AssertReceived, iter: 80, threads: 1);
    }

    [Fact]
    public void Invalid_unicode_is_refused_by_the_quoting()
    {
        var e = Assert.Throws<IllumosException>(() => PosixShell.Quote("a\ud83d"));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Throws<IllumosException>(() => PosixShell.Quote("\ude00b"));
        Assert.Equal("'😀 x'", PosixShell.Quote("😀 x"));
    }

    [ShellFact]
    public void Zfs_builders_carry_values_intact()
    {
        Gen.Select(Dataset, NastyText, NastyText, Component).Sample((ds, value, tag, snap) =>
        {
            AssertReceived(ZfsCommands.Set(ds, new Dictionary<string, string> { ["com.example:note"] = value, ["compression"] = "lz4" }));
            AssertReceived(ZfsCommands.CreateFileSystem(ds, new Dictionary<string, string> { ["com.example:x"] = value }, parents: true));
            if (tag[0] != '-') AssertReceived(ZfsCommands.Hold(ds + "@" + snap, tag, recursive: true));
            AssertReceived(ZfsCommands.Rename(ds, ds + "/" + snap, parents: true));
        }, iter: 40, threads: 1);
    }

    [ShellFact]
    public void Zpool_builders_carry_devices_intact()
    {
        var device = NastyText.Where(d => d[0] != '-' && !d.Contains('\n') && !d.Contains('\r') && d.Trim() == d
            && d is not "mirror" and not "raidz" and not "log" and not "cache" and not "spare" and not "special" and not "dedup");
        Gen.Select(device, device, NastyText).Where(t => t.Item1 != t.Item2).Sample((a, b, comment) =>
        {
            AssertReceived(ZpoolCommands.Attach("tank", a, b, force: true));
            AssertReceived(ZpoolCommands.Set("tank", "comment", comment));
            var req = new PoolCreateRequest { Name = "tank", Vdevs = VdevSpec.Parse(["mirror", "/dev/" + a, "/dev/" + b]), FileSystemProperties = new Dictionary<string, string> { ["com.example:c"] = comment } };
            AssertReceived(ZpoolCommands.Create(req, dryRun: true));
        }, iter: 40, threads: 1);
    }

    [ShellFact]
    public void File_and_volume_builders_carry_paths_intact()
    {
        var component = NastyText.Where(c => !c.Contains('/') && c is not "." and not "..");
        var relative = Gen.Select(component.Array[1, 3], cs => string.Join('/', cs));
        var userland = Gen.Enum<PosixUserland>();
        Gen.Select(component, relative, relative, NastyText, userland).Sample((rootName, rel, other, target, u) =>
        {
            var root = "/mnt/" + rootName;
            AssertReceived(PosixFileCommands.Stat(u, root, rel));
            AssertReceived(PosixFileCommands.List(u, root, rel));
            AssertReceived(PosixFileCommands.MakeDirectory(u, root, rel, parents: true));
            AssertReceived(PosixFileCommands.Symlink(u, root, rel, target));
            AssertReceived(PosixFileCommands.PrepareWrite(u, root, rel, FileMode.OpenOrCreate));
            AssertReceived(PosixFileCommands.ReadFile(u, root, rel, 65536, 3, null));
            AssertReceived(PosixFileCommands.WriteFile(u, root, rel, 512, 7));
            AssertReceived(PosixFileCommands.AppendFile(u, root, rel));
            AssertReceived(PosixFileCommands.Truncate(u, root, rel, 12345));
            AssertReceived(PosixFileCommands.Delete(u, root, rel, recursive: true));
            AssertReceived(PosixFileCommands.Move(u, root, rel, other));
            AssertReceived(PosixFileCommands.SetAttributes(u, root, rel, 0x1ED, 1, 2, DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow));
            AssertReceived(PosixFileCommands.ReadDevice(u, root + "/" + rel, 1 << 20, 5, 2));
            AssertReceived(PosixFileCommands.WriteDevice(u, root + "/" + rel, 4096, 5));
        }, iter: 40, threads: 1);
    }

    [Fact]
    public void Names_with_shell_syntax_are_refused()
    {
        Gen.Select(Dataset, Gen.Char["'\"`$;|&<>*?[]\\\n\t~#!{}=%^,éΩ"], Gen.Int[0, 40]).Sample((ds, bad, at) =>
        {
            var pos = Math.Min(at, ds.Length);
            var name = ds[..pos] + bad + ds[pos..];
            var e = Assert.Throws<IllumosException>(() => NativeNames.Dataset(name));
            Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        }, iter: 500, threads: 1);
    }
}

/// <summary>A fact that needs a POSIX /bin/sh; skipped with a message where there is none.</summary>
public sealed class ShellFactAttribute : FactAttribute
{
    public ShellFactAttribute() { if (OperatingSystem.IsWindows() || !File.Exists("/bin/sh")) Skip = "No POSIX /bin/sh on this system; the shell quoting tests need one."; }
}
