using CsCheck;
using Illumos.Engine.Storage.Replication;
using Xunit;

namespace Illumos.Engine.Tests.Storage.Replication;

/// <summary>Streams written with <see cref="SendStreamWriter"/>, judged by OpenZFS's `zstream dump -v`.</summary>
public class ZstreamDumpTests
{
    private const ulong ToGuid = 0x1234_5678_9ABC_DEF0;
    private const uint ZvolObjectType = 23, ZvolPropObjectType = 24, ZapBonus = 0;
    private const byte Fletcher4Checksum = 7, Lz4 = 15;

    private static DrrRecord BeginRecord(int headerType, uint objsetType, ulong toGuid, string toName) => new()
    {
        VersionInfo = (ulong)headerType,
        CreationTime = 1_700_000_000,
        ObjsetType = objsetType,
        BeginFlags = headerType == DrrRecord.SubStream ? DrrRecord.BeginFlagFreeRecords | DrrRecord.BeginFlagSpillBlock : 0,
        BeginToGuid = toGuid,
        ToName = toName,
    };

    /// <summary>A full ZVOL stream: the volume object with a block and the free past it, the property object, the freed rest.</summary>
    private static (byte[] Bytes, SendStreamWriter Writer) ZvolStream()
    {
        var ms = new MemoryStream();
        var w = new SendStreamWriter(ms);
        var block = new byte[16384];
        new Random(5).NextBytes(block);
        w.Begin(BeginRecord(DrrRecord.SubStream, 3, ToGuid, "pool/vol@snap"), default);
        w.Object(1, ZvolObjectType, 0, 16384, default, Fletcher4Checksum, Lz4);
        w.Write(1, ZvolObjectType, 0, 16384, block, Fletcher4Checksum, 0);
        w.Free(1, 16384, ulong.MaxValue);
        w.Object(2, ZvolPropObjectType, ZapBonus, 512, default, Fletcher4Checksum, Lz4);
        w.Write(2, ZvolPropObjectType, 0, 512, new byte[512], Fletcher4Checksum, 0);
        w.FreeObjects(3, 29);
        w.End();
        return (ms.ToArray(), w);
    }

    [ZstreamFact]
    public void A_valid_stream_dumps_clean_with_the_records_written()
    {
        var (bytes, w) = ZvolStream();
        var r = ZstreamDump.Run(bytes);
        Assert.True(r.Clean, r.ToString());
        Assert.Equal(w.RecordCount, r.TotalRecords);
        Assert.Equal(8, w.RecordCount);
        Assert.Equal(1, r.Count("BEGIN"));
        Assert.Equal(2, r.Count("OBJECT"));
        Assert.Equal(2, r.Count("WRITE"));
        Assert.Equal(1, r.Count("FREE"));
        Assert.Equal(1, r.Count("FREEOBJECTS"));
        Assert.Equal(1, r.Count("END"));
        Assert.Equal(bytes.Length, r.TotalStreamLength);
        Assert.Empty(r.BeginNvLists);
    }

    [ZstreamFact]
    public void A_flipped_payload_byte_shows_as_a_checksum_error()
    {
        var (bytes, _) = ZvolStream();
        bytes[3 * DrrRecord.Size + 100] ^= 0x10; // inside the first WRITE's payload (after BEGIN, OBJECT, WRITE)
        var r = ZstreamDump.Run(bytes);
        Assert.False(r.Clean, r.ToString());
        Assert.Contains(r.ErrorLines, l => l.Contains("Incorrect checksum in record header"));
        Assert.Contains(r.ErrorLines, l => l.Contains("invalid checksum"));
        Assert.Equal(0, r.ExitCode); // zstream's exit code does not tell (zfs.md §2.5): the report does
    }

    /// <summary>A compound stream's header as `zfs send -R` makes it (libzfs_sendrecv.c): fss keyed by guid in hex.</summary>
    private static NvList SendRHeader() => new NvList()
        .Add("fromsnap", "")
        .Add("tosnap", "snap2")
        .Add("fss", new NvList()
            .Add("0x7b", new NvList()
                .Add("name", "pool/fs")
                .Add("parentfromsnap", 0UL)
                .Add("props", new NvList().Add("compression", new NvList().Add("value", "lz4").Add("source", "local")))
                .Add("snaps", new NvList().Add("snap1", 11UL).Add("snap2", 22UL))
                .Add("snapprops", new NvList().Add("snap1", new NvList()).Add("snap2", new NvList()))
                .Add("snapholds", new NvList())
                .Add("is_encroot", NvType.BooleanValue, false)
                .Add("redact_snaps", Array.Empty<ulong>())));

    private static byte[] CompoundHeader(byte[] payload)
    {
        var ms = new MemoryStream();
        var w = new SendStreamWriter(ms);
        w.Begin(BeginRecord(DrrRecord.CompoundStream, 0, 0, "pool/fs@snap2"), payload);
        w.End();
        return ms.ToArray();
    }

    [ZstreamFact]
    public void A_compound_streams_xdr_nvlist_is_printed_by_zstream()
    {
        var header = SendRHeader();
        var bytes = CompoundHeader(header.Pack(NvEncoding.Xdr));
        var r = ZstreamDump.Run(bytes);
        Assert.True(r.Clean, r.ToString());
        Assert.Equal(2, r.TotalRecords);
        Assert.Equal(bytes.Length, r.TotalStreamLength);
        var printed = Assert.Single(r.BeginNvLists);
        Assert.StartsWith("nvlist version: 0\n\tfromsnap = \n\ttosnap = snap2\n\tfss = (embedded nvlist)", printed);
        foreach (var word in new[] { "0x7b = (embedded nvlist)", "name = pool/fs", "parentfromsnap = 0x0", "value = lz4", "snap2 = 0x16", "(end snapholds)", "is_encroot = 0" })
            Assert.Contains(word, printed);
        Assert.DoesNotContain("redact_snaps", printed); // nvlist_print leaves out empty arrays; nvlist_unpack took it
    }

    [ZstreamFact]
    public void Random_nvlists_in_either_encoding_unpack_in_zstream()
    {
        Gen.Select(NvGen.List(2), NvGen.Encoding).Sample((list, encoding) =>
        {
            var r = ZstreamDump.Run(CompoundHeader(list.Pack(encoding)));
            Assert.True(r.Clean, r.ToString());
            Assert.StartsWith("nvlist version: 0", Assert.Single(r.BeginNvLists));
        }, iter: 40, threads: 1);
    }

    /// <summary>The negative control: a payload libnvpair refuses is reported, so a clean report means something.</summary>
    [ZstreamFact]
    public void A_corrupt_begin_nvlist_is_reported()
    {
        var packed = SendRHeader().Pack(NvEncoding.Xdr);
        packed.AsSpan(16, 4).Fill(0x7F); // the first pair's decoded size (after header 12 and encoded size 4)
        var r = ZstreamDump.Run(CompoundHeader(packed));
        Assert.False(r.Clean, r.ToString());
        Assert.Contains(r.ErrorLines, l => l.StartsWith("stderr: "));
    }

    [Fact]
    public void The_parser_reads_a_summary_and_errors()
    {
        var r = ZstreamDump.Parse(0,
            "BEGIN record\n\thdrtype = 2\n\ttoname = p/fs@s\n\tpayloadlen = 8\n\nnvlist version: 0\n\ttosnap = s\n\nEND checksum = 1/2/3/4\n" +
            "SUMMARY:\n\tTotal DRR_BEGIN records = 1 (8 bytes)\n\tTotal DRR_END records = 1 (0 bytes)\n\tTotal records = 2\n" +
            "\tTotal payload size = 8 (0x8)\n\tTotal header overhead = 624 (0x270)\n\tTotal stream length = 632 (0x278)\n",
            "");
        Assert.True(r.Clean);
        Assert.Equal(2, r.TotalRecords);
        Assert.Equal(632, r.TotalStreamLength);
        Assert.Equal(1, r.Count("END"));
        Assert.Equal("nvlist version: 0\n\ttosnap = s", Assert.Single(r.BeginNvLists));

        var bad = ZstreamDump.Parse(0, "Incorrect checksum in record header.\nExpected checksum = 1/2/3/4\n", "invalid checksum\n");
        Assert.False(bad.Clean);
        Assert.Equal(2, bad.ErrorLines.Count); // the stdout line and the stderr one
    }
}
