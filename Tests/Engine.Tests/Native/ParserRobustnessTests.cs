using Illumos.Engine.Native.Parsers;
using Xunit;

namespace Illumos.Engine.Tests.Native;

/// <summary>
/// Every parser fed every sample (including PARTIAL and DAMAGED ones, and every truncation of each at
/// a line boundary or mid-line) either returns objects or throws a clean IllumosException; nothing else.
/// </summary>
public class ParserRobustnessTests
{
    private static readonly (string Name, Action<string> Parse)[] Parsers =
    [
        ("zpool list", t => ZpoolListParser.Parse(t, ZpoolListParser.Fields)),
        ("zpool list header", t => ZpoolListParser.ParseWithHeader(t)),
        ("zpool status", t => ZpoolStatusParser.Parse(t)),
        ("zpool import", t => ZpoolStatusParser.ParseImport(t)),
        ("zpool create -n", t => ZpoolStatusParser.ParseCreateDryRun(t)),
        ("zpool history", t => ZpoolHistoryParser.Parse(t)),
        ("zpool iostat", t => ZpoolIOStatParser.Parse(t)),
        ("zfs list", t => ZfsListParser.ParseDatasets(t, ZfsListParser.DatasetFields)),
        ("zfs list header", t => ZfsListParser.ParseDatasetsWithHeader(t)),
        ("zfs list snapshots", t => ZfsListParser.ParseSnapshots(t, ZfsListParser.SnapshotFields)),
        ("zfs list bookmarks", t => ZfsListParser.ParseBookmarks(t, ZfsListParser.BookmarkFields)),
        ("zfs get", t => PropertyParser.Parse(t)),
        ("zfs holds", t => ZfsHoldsParser.Parse(t)),
        ("zfs allow", t => ZfsAllowParser.Parse(t)),
        ("zfs diff", t => ZfsDiffParser.Parse(t)),
        ("zfs destroy", t => ZfsDestroyParser.Parse(t)),
        ("json list", t => ZfsJsonParsers.ParseDatasets(t)),
        ("json get", t => ZfsJsonParsers.ParseGet(t)),
        ("json pool list", t => ZfsJsonParsers.ParsePoolList(t)),
        ("json status", t => ZfsJsonParsers.ParseStatus(t)),
        ("zoneadm", t => ZoneadmParser.Parse(t)),
        ("dladm", t => DladmParser.ParseLinks(t)),
        ("svcs", t => SvcsParser.Parse(t)),
        ("vmadm list", t => VmadmParser.ParseList(t)),
        ("vmadm get", t => VmadmParser.ParseJson(t)),
        ("ipfstat", t => IpfstatParser.Parse(t)),
        ("ipnat -l", t => IpnatListParser.Parse(t)),
        ("ipf -V", t => IpfVersionParser.Parse(t)),
        ("svcs -l", t => SvcsLongParser.Parse(t)),
        ("svcs -x", t => SvcsExplainParser.Parse(t)),
        ("svcs human", t => SvcsHumanParser.Parse(t)),
        ("svcprop", t => SvcpropParser.Parse(t)),
        ("zonecfg info", t => ZonecfgInfoParser.Parse(t)),
        ("dladm show-phys -m", t => DladmParser.ParsePhysMacs(t)),
        ("dladm show-iptun", t => DladmParser.ParseIptun(t)),
    ];

    public static IEnumerable<object[]> Files() =>
        Fixtures.Directory is null ? [["(fixtures absent)"]] : Fixtures.All().Select(f => new object[] { f });

    [FixtureTheory]
    [MemberData(nameof(Files))]
    public void Every_parser_returns_or_throws_cleanly(string file)
    {
        var text = Fixtures.Read(file);
        var cuts = new SortedSet<int> { text.Length, text.Length / 2, text.Length / 3 };
        for (int i = text.IndexOf('\n'); i >= 0; i = text.IndexOf('\n', i + 1)) cuts.Add(i + 1);
        int outcomes = 0;
        foreach (var cut in cuts)
        {
            var part = text[..cut];
            foreach (var (name, parse) in Parsers)
            {
                try { parse(part); outcomes++; }
                catch (IllumosException e)
                {
                    Assert.True(e.Kind is ErrorKind.ParserError or ErrorKind.InvalidData, $"{name} on {file}[..{cut}] threw kind {e.Kind}: {e.Message}");
                    outcomes++;
                }
                catch (Exception e)
                {
                    Assert.Fail($"{name} on {file}[..{cut}] crashed with {e.GetType().Name}: {e.Message}");
                }
            }
        }
        Assert.Equal(cuts.Count * Parsers.Length, outcomes);
    }
}
