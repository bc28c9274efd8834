using Illumos.Engine.Storage;

namespace Illumos.Engine.Native.Parsers;

/// <summary>
/// <c>zfs get -Hp</c> and <c>zpool get -Hp</c>: TAB-separated name, property, value, source (or the
/// fields chosen with -o). Values may be empty or contain spaces; sources are '-', default, local,
/// temporary, received or "inherited from &lt;dataset&gt;".
/// </summary>
public static class PropertyParser
{
    public static readonly string[] DefaultFields = ["name", "property", "value", "source"];

    public static List<ZProperty> Parse(string text, IReadOnlyList<string>? fields = null, string what = "zfs get")
    {
        fields ??= DefaultFields;
        int iName = IndexOf(fields, "name"), iProp = IndexOf(fields, "property"), iValue = IndexOf(fields, "value"), iSource = IndexOf(fields, "source");
        if (iValue < 0) throw new ArgumentException("The field list must include 'value'.", nameof(fields));
        var result = new List<ZProperty>();
        var lines = ParseText.Lines(text);
        for (int n = 0; n < lines.Count; n++)
        {
            var line = lines[n];
            if (line.Length == 0) continue;
            var f = ParseText.SplitTabs(line, fields.Count, what, n + 1);
            var (source, from) = iSource >= 0 ? Source(f[iSource]) : (ZPropertySource.None, null);
            result.Add(new ZProperty
            {
                Name = iName >= 0 ? f[iName] : "",
                Property = iProp >= 0 ? f[iProp] : "",
                Value = f[iValue],
                Source = source,
                InheritedFrom = from,
            });
        }
        return result;
    }

    /// <summary>The SOURCE column as an enum and, for inherited values, the dataset they come from.</summary>
    public static (ZPropertySource Source, string? From) Source(string text)
    {
        const string inherited = "inherited from ";
        if (text.StartsWith(inherited, StringComparison.Ordinal)) return (ZPropertySource.Inherited, text[inherited.Length..]);
        return text switch
        {
            "local" => (ZPropertySource.Local, null),
            "default" => (ZPropertySource.Default, null),
            "received" => (ZPropertySource.Received, null),
            "temporary" => (ZPropertySource.Temporary, null),
            "-" or "" or "none" => (ZPropertySource.None, null),
            _ => throw ParseText.Error("zfs get", $"unknown property source '{text}'", text),
        };
    }

    private static int IndexOf(IReadOnlyList<string> fields, string name)
    {
        for (int i = 0; i < fields.Count; i++) if (string.Equals(fields[i], name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}
