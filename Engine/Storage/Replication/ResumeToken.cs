using System.Globalization;
using System.IO.Compression;
using Illumos.Engine.Storage.Embedded.Checksums;

namespace Illumos.Engine.Storage.Replication;

/// <summary>
/// The receive_resume_token string (zfs.md §2.4): "1-&lt;fletcher-4 word 0 of the zlib bytes, hex&gt;-
/// &lt;packed nvlist length, hex&gt;-&lt;zlib bytes, hex&gt;", the nvlist packed NATIVE. It is made as
/// dsl_dataset.c:get_receive_resume_stats_impl makes it and read with the checks of
/// libzfs_sendrecv.c:zfs_send_resume_token_to_nvlist.
/// </summary>
public static class ResumeToken
{
    /// <summary>ZFS_SEND_RESUME_TOKEN_VERSION.</summary>
    public const int Version = 1;
    /// <summary>The largest packed nvlist a token may announce (real ones are a few hundred bytes).</summary>
    public const int MaxPackedLength = 16 << 20;

    public static string Encode(NvList nv)
    {
        var packed = nv.Pack(NvEncoding.Native);
        var z = new MemoryStream();
        // The kernel uses zlib level 6 (gzip_compress); the BCL's zlib takes the same level number.
        using (var zs = new ZLibStream(z, new ZLibCompressionOptions { CompressionLevel = 6 }, leaveOpen: true))
            zs.Write(packed);
        var compressed = z.ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"{Version}-{Checksum(compressed):x}-{packed.Length:x}-{Convert.ToHexString(compressed).ToLowerInvariant()}");
    }

    public static string Encode(ResumeTokenInfo info) => Encode(info.ToNvList());

    /// <summary>The token's nvlist; a malformed token gives ResumeTokenInvalid naming what is wrong.</summary>
    public static NvList Decode(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var parts = token.Trim().Split('-', 4);
        if (parts.Length != 4) throw Invalid("it does not have the form <version>-<checksum>-<length>-<data>");
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int version))
            throw Invalid($"its version '{Cut(parts[0])}' is not a number");
        if (version != Version) throw Invalid($"its version is {version}; only version {Version} tokens exist");
        if (!ulong.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong checksum))
            throw Invalid($"its checksum '{Cut(parts[1])}' is not a hex number");
        if (!ulong.TryParse(parts[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong packedLength))
            throw Invalid($"its length '{Cut(parts[2])}' is not a hex number");
        if (packedLength == 0 || packedLength > MaxPackedLength) throw Invalid($"its nvlist length {packedLength} is out of range");
        string hex = parts[3];
        if (hex.Length == 0 || hex.Length % 2 != 0) throw Invalid($"its data has {hex.Length} hex digits, not a whole number of bytes");
        byte[] compressed;
        try { compressed = Convert.FromHexString(hex); }
        catch (FormatException) { throw Invalid("its data is not hexadecimal"); }
        // Deflate cannot expand data more than about 1032 times: refuse a length the data could never reach
        // before allocating for it.
        if (packedLength > (ulong)compressed.Length * 1032 + 64)
            throw Invalid($"its length {packedLength} is more than its {compressed.Length} bytes of data can inflate to");
        ulong actual = Checksum(compressed);
        if (actual != checksum)
            throw Invalid($"its checksum is {checksum:x} but its data sums to {actual:x}: the token is damaged or incomplete");

        var packed = new byte[packedLength];
        int got;
        try
        {
            using var zs = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
            got = zs.ReadAtLeast(packed, packed.Length, throwOnEndOfStream: false);
            if (got == packed.Length && zs.ReadByte() >= 0) throw Invalid($"its data inflates to more than the {packedLength} bytes it announces");
        }
        catch (InvalidDataException e) { throw Invalid($"its data is not valid zlib ({e.Message})"); }
        if (got != packed.Length) throw Invalid($"its data inflates to {got} bytes, not the {packedLength} it announces");
        try { return NvList.Unpack(packed); }
        catch (IllumosException e) when (e.ErrorId == "NvListCorrupt") { throw Invalid(e.Message, e); }
    }

    public static ResumeTokenInfo DecodeInfo(string token) => ResumeTokenInfo.FromNvList(Decode(token));

    /// <summary>fletcher_4_native_varsize word 0: whole 4-byte words only, a tail of 1-3 bytes is not summed.</summary>
    private static ulong Checksum(byte[] data) => Fletcher4.Compute(data.AsSpan(0, data.Length & ~3)).A;

    private static string Cut(string s) => s.Length <= 20 ? s : s[..20] + "…";

    internal static IllumosException Invalid(string what, Exception? inner = null) =>
        new(ErrorKind.InvalidData, "ResumeTokenInvalid", $"The resume token is not valid: {what}.", null, inner);
}

/// <summary>
/// A resume token's fields (dsl_dataset.c:get_receive_resume_stats_impl): where the interrupted receive
/// stopped (object, offset, bytes so far), which snapshot it was receiving, and the stream options the
/// resumed send must use again. The flags are BOOLEAN pairs, present when set.
/// </summary>
public sealed record ResumeTokenInfo(
    ulong? FromGuid, ulong Object, ulong Offset, ulong Bytes, ulong ToGuid, string ToName,
    bool LargeBlockOk, bool EmbedOk, bool CompressOk, bool RawOk)
{
    /// <summary>The nvlist in the kernel's order: fromguid (incremental only), object, offset, bytes, toguid, toname, flags.</summary>
    public NvList ToNvList()
    {
        var nv = new NvList();
        if (FromGuid is { } from) nv.Add("fromguid", from);
        nv.Add("object", Object).Add("offset", Offset).Add("bytes", Bytes).Add("toguid", ToGuid).Add("toname", ToName);
        if (LargeBlockOk) nv.AddBoolean("largeblockok");
        if (EmbedOk) nv.AddBoolean("embedok");
        if (CompressOk) nv.AddBoolean("compressok");
        if (RawOk) nv.AddBoolean("rawok");
        return nv;
    }

    /// <summary>The fields of a token's nvlist; pairs it does not model (redact_snaps, ...) are ignored.</summary>
    public static ResumeTokenInfo FromNvList(NvList nv)
    {
        ulong U64(string name) => nv.TryGetUInt64(name, out var v) ? v : throw ResumeToken.Invalid($"it has no uint64 '{name}'");
        return new ResumeTokenInfo(
            nv.TryGetUInt64("fromguid", out var from) ? from : null,
            U64("object"), U64("offset"), U64("bytes"), U64("toguid"),
            nv.TryGetString("toname", out var name) ? name : throw ResumeToken.Invalid("it has no string 'toname'"),
            nv.HasBoolean("largeblockok"), nv.HasBoolean("embedok"), nv.HasBoolean("compressok"), nv.HasBoolean("rawok"));
    }
}
