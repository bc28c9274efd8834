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
        // `zfs get -r all` prints ~100 rows per dataset: property names, sources and most values repeat
        var strings = new StringPool();
        var rows = new TabRows(text, fields.Count, what);
        Span<int> cuts = fields.Count <= 64 ? stackalloc int[fields.Count * 2] : new int[fields.Count * 2];
        string name = "";
        while (rows.Next(cuts))
        {
            // rows come grouped by dataset: the name is the previous row's more often than not
            if (iName >= 0 && !rows.Field(cuts, iName).SequenceEqual(name)) name = rows.Field(cuts, iName).ToString();
            var (source, from) = iSource >= 0 ? Source(rows.Field(cuts, iSource), strings) : (ZPropertySource.None, null);
            result.Add(new ZProperty
            {
                Name = name,
                Property = iProp >= 0 ? strings.Get(rows.Field(cuts, iProp)) : "",
                Value = strings.Get(rows.Field(cuts, iValue)),
                Source = source,
                InheritedFrom = from,
            });
        }
        return result;
    }

    /// <summary>The SOURCE column as an enum and, for inherited values, the dataset they come from.</summary>
    public static (ZPropertySource Source, string? From) Source(string text) => Source(text, null);

    private static (ZPropertySource Source, string? From) Source(ReadOnlySpan<char> text, StringPool? strings)
    {
        const string inherited = "inherited from ";
        if (text.StartsWith(inherited, StringComparison.Ordinal))
        {
            var from = text[inherited.Length..];
            return (ZPropertySource.Inherited, strings is null ? from.ToString() : strings.Get(from));
        }
        return text switch
        {
            "local" => (ZPropertySource.Local, null),
            "default" => (ZPropertySource.Default, null),
            "received" => (ZPropertySource.Received, null),
            "temporary" => (ZPropertySource.Temporary, null),
            "-" or "" or "none" => (ZPropertySource.None, null),
            _ => throw ParseText.Error("zfs get", $"unknown property source '{text}'", text.ToString()),
        };
    }

    private static int IndexOf(IReadOnlyList<string> fields, string name)
    {
        for (int i = 0; i < fields.Count; i++) if (string.Equals(fields[i], name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}
