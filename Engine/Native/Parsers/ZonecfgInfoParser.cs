using Illumos.Engine.Zones;

namespace Illumos.Engine.Native.Parsers;

/// <summary>
/// <c>zonecfg -z zone info</c>: global properties "key: value" (an unset one prints "key:" alone), resources
/// "type:" followed by their properties indented (a TAB on a live system; some captures have spaces):
/// "\tprop: value" or "\tprop not specified". Deeper-indented lines (SmartOS net "property" sub-resources)
/// and repeated properties (rctl "value") are kept, repeated values joined by a blank.
/// </summary>
public static class ZonecfgInfoParser
{
    private const string What = "zonecfg info";

    public static ZoneConfiguration Parse(string text)
    {
        var globals = new Dictionary<string, string>(StringComparer.Ordinal);
        var resources = new List<ZoneResource>();
        string? resType = null;
        Dictionary<string, string>? resProps = null;
        var lines = ParseText.Lines(text);
        for (int n = 0; n < lines.Count; n++)
        {
            var raw = lines[n].TrimEnd();
            if (raw.Trim().Length == 0) continue;
            bool indented = char.IsWhiteSpace(raw[0]);
            var line = raw.Trim();
            if (!indented)
            {
                Close();
                int colon = line.IndexOf(':');
                if (colon <= 0) throw ParseText.Error(What, $"line {n + 1} is not 'property: value' or 'resource:'", lines[n]);
                var key = line[..colon];
                var value = line[(colon + 1)..].Trim();
                // "net:" alone opens a resource; "bootargs:" alone is an unset global (resources are followed by indented lines).
                bool opensResource = value.Length == 0 && n + 1 < lines.Count && lines[n + 1].Length > 0 && char.IsWhiteSpace(lines[n + 1][0]);
                if (opensResource) { resType = key; resProps = new Dictionary<string, string>(StringComparer.Ordinal); }
                else if (value.Length > 0) globals[key] = value;
                continue;
            }
            if (resProps is null) throw ParseText.Error(What, $"the indented line {n + 1} belongs to no resource", lines[n]);
            if (line.EndsWith(" not specified", StringComparison.Ordinal)) continue;
            int c = line.IndexOf(':');
            if (c <= 0) throw ParseText.Error(What, $"line {n + 1} of resource '{resType}' is not 'property: value'", lines[n]);
            var prop = line[..c];
            var val = line[(c + 1)..].Trim();
            if (val.Length == 0) continue;
            resProps[prop] = resProps.TryGetValue(prop, out var before) ? before + " " + val : val;
        }
        Close();
        return new ZoneConfiguration { Properties = globals, Resources = resources };

        void Close()
        {
            if (resType is not null && resProps is not null) resources.Add(new ZoneResource(resType, resProps));
            resType = null;
            resProps = null;
        }
    }
}
