using System.Collections;
using System.Globalization;
using System.Management.Automation;

namespace Illumos.Cmdlets;

internal static class HashtableExtensions
{
    /// <summary>A -Property @{ name = value } table as zfs-style strings (booleans as on/off).</summary>
    public static Dictionary<string, string> ToPropertyMap(this IDictionary? table)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (table is null) return map;
        foreach (DictionaryEntry e in table)
        {
            var key = e.Key?.ToString() ?? "";
            var v = e.Value is PSObject p ? p.BaseObject : e.Value;
            map[key] = v switch
            {
                null => "none",
                bool b => b ? "on" : "off",
                SwitchParameter s => s.IsPresent ? "on" : "off",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => v.ToString() ?? "",
            };
        }
        return map;
    }
}
