using System.Management.Automation;
using Illumos.Engine.Sessions;

namespace Illumos.Cmdlets.Storage.Provider;

/// <summary>A ZFS drive: a filesystem dataset as its root, on the host of one session.</summary>
public sealed class ZfsDriveInfo : PSDriveInfo
{
    // The root keeps a trailing '/': PowerShell otherwise spells the drive's root as "../<leaf>".
    public ZfsDriveInfo(PSDriveInfo drive, string dataset, IllumosSession session)
        : base(drive.Name, drive.Provider, dataset + "/", drive.Description, drive.Credential)
    {
        Session = session;
        Dataset = dataset;
    }

    /// <summary>The session whose host the drive's dataset lives on.</summary>
    public IllumosSession Session { get; }

    /// <summary>The filesystem dataset at the drive's root.</summary>
    public string Dataset { get; }
}

/// <summary>New-PSDrive -PSProvider ZFS's extra parameter.</summary>
public sealed class ZfsDriveParameters
{
    /// <summary>The session whose host holds the dataset; without it, the default session.</summary>
    [Parameter]
    [ValidateNotNull]
    public IllumosSession? Session { get; set; }
}

/// <summary>The content parameters Get-Content, Set-Content and Add-Content share on ZFS drives, as on the FileSystem provider.</summary>
public abstract class ZfsContentParameters
{
    /// <summary>Text encoding (utf8, utf8BOM, utf8NoBOM, ascii, unicode, bigendianunicode, utf32, latin1, or a code page).</summary>
    [Parameter]
    [EncodingTransformation]
    public System.Text.Encoding? Encoding { get; set; }

    /// <summary>Bytes instead of text.</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }
}

/// <summary>Get-Content's extra parameters on ZFS drives.</summary>
public sealed class ZfsContentReaderParameters : ZfsContentParameters
{
    /// <summary>Return the whole content as one string (or one byte array), not lines.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <summary>The text that ends each piece of text read (default: newline).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Delimiter { get; set; }
}

/// <summary>Set-Content and Add-Content's extra parameters on ZFS drives.</summary>
public sealed class ZfsContentWriterParameters : ZfsContentParameters
{
    /// <summary>Write no newline after each value.</summary>
    [Parameter]
    public SwitchParameter NoNewline { get; set; }
}

/// <summary>Turns encoding names as PowerShell's -Encoding takes them into an <see cref="System.Text.Encoding"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EncodingTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject p ? p.BaseObject : inputData;
        switch (value)
        {
            case System.Text.Encoding e: return e;
            case int codePage: return System.Text.Encoding.GetEncoding(codePage);
            case string s:
                var e2 = ByName(s);
                if (e2 is not null) return e2;
                if (int.TryParse(s, out var cp)) return System.Text.Encoding.GetEncoding(cp);
                try { return System.Text.Encoding.GetEncoding(s); }
                catch (ArgumentException) { }
                break;
        }
        throw new ArgumentTransformationMetadataException($"'{value}' is not an encoding. Use utf8, utf8BOM, utf8NoBOM, ascii, unicode, bigendianunicode, utf32, latin1 or a code page number.");
    }

    private static System.Text.Encoding? ByName(string name) => name.ToLowerInvariant() switch
    {
        "utf8" or "utf8nobom" or "default" => new System.Text.UTF8Encoding(false),
        "utf8bom" => new System.Text.UTF8Encoding(true),
        "ascii" => System.Text.Encoding.ASCII,
        "unicode" => System.Text.Encoding.Unicode,
        "bigendianunicode" => System.Text.Encoding.BigEndianUnicode,
        "utf32" => System.Text.Encoding.UTF32,
        "bigendianutf32" => new System.Text.UTF32Encoding(true, true),
        "latin1" => System.Text.Encoding.Latin1,
        _ => null,
    };
}
