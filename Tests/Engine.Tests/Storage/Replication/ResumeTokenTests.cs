using CsCheck;
using Illumos.Engine.Storage.Replication;
using Xunit;

namespace Illumos.Engine.Tests.Storage.Replication;

public class ResumeTokenTests
{
    /// <summary>
    /// The receive_resume_token quoted in openzfs/zfs#10439 (ZFS 0.8.4): a full receive stopped in object 394.
    /// Its 126 zlib bytes are not whole words, so the checksum covers only the first 124.
    /// </summary>
    private const string Issue10439 =
        "1-eb46e146b-d0-789c636064000310a500c4ec50360710e72765a5269730307441d560c8a7a515a7968064d6b1c0e4d990e4932a4b528b817403d31a566cfa4bf2d34b335318187a2da5b789c459fb3920c97382e5f3127353191852124b12758b4bf28b12d353f50d8ce2931293b34b0b1c924ae38d0c0c2d0d8c0c2c19e0000029161d79";

    /// <summary>The token in openzfs/zfs#14153, whose fields the issue prints with `zstream token`: incremental, compressok, rawok.</summary>
    private const string Issue14153 =
        "1-fd3f3ea61-130-789c636064000310a501c49c50360710a715e5e7a69766a6304081e4c3753e7696b1cd0a40363b92bafca4acd4e412081f0430e4d3d28a534b18e00024cf86249f5459925acc802a8facbf241fe28aaa90ef315b8e16ea3920c97382e5f312735319188a528b4b7353816695e8a7e62517e9266764e6a43894679664e826eaa665e6a42299cfcd80f077727e6e01506f717e36444c02ea3e987c5162394c8a010013de2bc9";

    [Fact]
    public void Decodes_the_token_of_issue_10439()
    {
        var nv = ResumeToken.Decode(Issue10439);
        Assert.Equal(["object", "offset", "bytes", "toguid", "toname"], nv.Select(p => p.Name));
        var info = ResumeTokenInfo.FromNvList(nv);
        Assert.Equal(new ResumeTokenInfo(null, 394, 78512128, 95158912, 5637202801631902093, "data-storage/02_backup@bu_20190209",
            false, false, false, false), info);
        // The kernel's native pack, re-made by ours, is what the token holds.
        Assert.Equal(208, info.ToNvList().Pack().Length);
        Assert.Equal(info, ResumeToken.DecodeInfo(ResumeToken.Encode(info)));
    }

    [Fact]
    public void Decodes_the_token_of_issue_14153_as_zstream_token_printed_it()
    {
        var info = ResumeToken.DecodeInfo(Issue14153);
        Assert.Equal(new ResumeTokenInfo(9465784931539935513, 1, 0, 0, 3346673376557487226, "resumetest/encr-child@with-a-file",
            LargeBlockOk: false, EmbedOk: false, CompressOk: true, RawOk: true), info);
        Assert.Equal(ResumeToken.Decode(Issue14153), info.ToNvList()); // same pairs, same order, same types
    }

    [Fact]
    public void Round_trips_random_token_fields()
    {
        Gen.Select(Gen.Select(Gen.ULong.Nullable(), Gen.ULong, Gen.ULong, Gen.ULong, Gen.ULong),
                Gen.Char["abz09/@_-.é€"].Array[1, 200].Select(a => new string(a)), Gen.Bool.Array[4, 4])
            .Sample((g, name, flags) =>
            {
                var info = new ResumeTokenInfo(g.Item1, g.Item2, g.Item3, g.Item4, g.Item5, name, flags[0], flags[1], flags[2], flags[3]);
                var token = ResumeToken.Encode(info);
                Assert.Matches("^1-[0-9a-f]+-[0-9a-f]+-789c[0-9a-f]+$", token); // zlib header of the default level
                Assert.Equal(info, ResumeToken.DecodeInfo(token));
            }, iter: 500);
    }

    [Theory]
    [InlineData("", "form")]
    [InlineData("2-eb46e146b-d0-789c", "version is 2")]
    [InlineData("x-1-2-00", "not a number")]
    [InlineData("1-zz-d0-789c", "checksum 'zz'")]
    [InlineData("1-1-0-789c", "out of range")]
    [InlineData("1-1-d0-789", "hex digits")]
    [InlineData("1-1-ffffff-789c00", "can inflate to")]
    [InlineData("1-1-d0-78gg", "not hexadecimal")]
    public void Malformed_tokens_name_what_is_wrong(string token, string what)
    {
        var e = Assert.Throws<IllumosException>(() => ResumeToken.Decode(token));
        Assert.Equal("ResumeTokenInvalid", e.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, e.Kind);
        Assert.Contains(what, e.Message);
    }

    [Fact]
    public void A_damaged_or_misdescribed_token_is_refused()
    {
        var parts = Issue10439.Split('-');
        string With(int i, string v) { var p = (string[])parts.Clone(); p[i] = v; return string.Join('-', p); }

        // One hex digit changed in the data: the checksum catches it.
        var data = parts[3].ToCharArray();
        data[40] = data[40] == '0' ? '1' : '0';
        Assert.Contains("sums to", Assert.Throws<IllumosException>(() => ResumeToken.Decode(With(3, new string(data)))).Message);
        // Wrong length: more or fewer bytes than the data inflates to.
        Assert.Contains("inflates to 208 bytes, not the 209", Assert.Throws<IllumosException>(() => ResumeToken.Decode(With(2, "d1"))).Message);
        Assert.Contains("more than the 207", Assert.Throws<IllumosException>(() => ResumeToken.Decode(With(2, "cf"))).Message);
        // A data tail past the last whole word is not summed (as in OpenZFS), but zlib then finds it wrong.
        var cut = parts[3][..^2] + "00";
        var e = Assert.Throws<IllumosException>(() => ResumeToken.Decode(With(3, cut)));
        Assert.Equal("ResumeTokenInvalid", e.ErrorId);
    }

    [Fact]
    public void Random_damage_gives_only_the_clean_error()
    {
        Gen.Select(Gen.Int[0, Issue14153.Length - 1], Gen.Char["0123456789abcdef-x"]).Sample((at, c) =>
        {
            var damaged = Issue14153[..at] + c + Issue14153[(at + 1)..];
            try { ResumeToken.Decode(damaged); }
            catch (IllumosException e) when (e.ErrorId == "ResumeTokenInvalid") { }
        }, iter: 3000);
    }

    [Fact]
    public void A_token_without_a_field_is_named()
    {
        var token = ResumeToken.Encode(new NvList().Add("object", 1UL).Add("toname", "p/fs@s"));
        var e = Assert.Throws<IllumosException>(() => ResumeToken.DecodeInfo(token));
        Assert.Equal("ResumeTokenInvalid", e.ErrorId);
        Assert.Contains("'offset'", e.Message);
    }
}
