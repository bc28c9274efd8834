using System.Text;
using System.Text.RegularExpressions;
using Illumos.Engine.Languages.Ipf;

namespace Illumos.Engine.Firewall;

/// <summary>One line of a stored rule set: canonical text, the parsed rule, whether it is enabled.</summary>
public sealed record RuleEntry(string Text, IpfRule Rule, bool Enabled);

/// <summary>One line of a stored NAT rule set.</summary>
public sealed record NatEntry(string Text, IpnatRule Rule);

/// <summary>
/// The stored form of a rule set: real ipf.conf text, one canonical rule per line; a disabled rule is kept as a
/// comment line starting with <c>#disabled: </c> so ipf itself ignores it. Shared by the embedded and native hosts.
/// </summary>
public static partial class RuleSetText
{
    public const string DisabledPrefix = "#disabled: ";

    /// <summary>
    /// The stored and shown text of a rule: ipf -nv form without the "(!)" marks for interfaces the host lacks, so that
    /// the text parses back (a rule file is re-read before it becomes active) and stays the same on every host.
    /// </summary>
    public static string Canonical(IpfRule rule) => IpfPrinter.Print(rule, markUnresolved: false);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex ZoneName();

    public static void ValidateScope(FirewallScope scope)
    {
        if (!ZoneName().IsMatch(scope.Zone))
            throw IllumosException.Invalid("FirewallZoneNameInvalid", $"'{scope.Zone}' is not a valid zone name.", scope.Zone);
        if (scope.IsGlobal && scope.GlobalControlled)
            throw IllumosException.Invalid("FirewallGlobalControlledGlobalZone", "-G cannot be used with the global zone: the global zone has no global-zone-controlled stack.", scope.Zone);
    }

    /// <summary>Parses filter rules; any error refuses the whole text and reports every error with its line.</summary>
    public static List<IpfRule> ParseOrThrow(string text)
    {
        var r = IpfParser.Parse(text);
        if (!r.Success) throw SyntaxError(r.Errors, text);
        return r.Rules.ToList();
    }

    public static List<IpnatRule> ParseNatOrThrow(string text)
    {
        var r = IpnatParser.Parse(text);
        if (!r.Success) throw SyntaxError(r.Errors, text);
        return r.Rules.ToList();
    }

    private static IllumosException SyntaxError(IReadOnlyList<IpfError> errors, string text) =>
        new(ErrorKind.ParserError, "FirewallRuleSyntax",
            $"{errors.Count} error(s); nothing was loaded: " + string.Join("; ", errors.Select(e => $"line {e.Line} column {e.Column}: {e.Message}")),
            text);

    /// <summary>Reads a stored rule file (disabled rules included).</summary>
    public static List<RuleEntry> Read(string text)
    {
        var entries = new List<RuleEntry>();
        var enabledText = new StringBuilder();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        // Parse the file as a whole (variables, continuations) but keep disabled lines in their place.
        var marks = new List<(int Line, bool Enabled)>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith(DisabledPrefix, StringComparison.Ordinal))
            {
                enabledText.Append(lines[i][DisabledPrefix.Length..]).Append('\n');
                marks.Add((i + 1, false));
            }
            else enabledText.Append(lines[i]).Append('\n');
        }
        var parsed = IpfParser.Parse(enabledText.ToString());
        if (!parsed.Success) throw SyntaxError(parsed.Errors, text);
        var disabledLines = marks.Select(m => m.Line).ToHashSet();
        foreach (var r in parsed.Rules)
            entries.Add(new RuleEntry(Canonical(r), r, !disabledLines.Contains(r.Line)));
        return entries;
    }

    public static string Render(IEnumerable<RuleEntry> entries)
    {
        var sb = new StringBuilder();
        foreach (var e in entries) sb.Append(e.Enabled ? "" : DisabledPrefix).Append(e.Text).Append('\n');
        return sb.ToString();
    }

    public static List<NatEntry> ReadNat(string text) => ParseNatOrThrow(text).Select(r => new NatEntry(IpnatPrinter.Print(r), r)).ToList();

    public static string RenderNat(IEnumerable<NatEntry> entries) => string.Concat(entries.Select(e => e.Text + "\n"));

    /// <summary>The 0-based insertion index for a placement in a list of <paramref name="count"/> items.</summary>
    public static int IndexFor(RulePlacement? p, int count)
    {
        if (p is null) return count;
        if (p.Position is { } pos) { CheckPosition(pos, count + 1); return pos - 1; }
        if (p.Before is { } b) { CheckPosition(b, count); return b - 1; }
        if (p.After is { } a) { CheckPosition(a, count); return a; }
        return count;
    }

    /// <summary>Moves the item at a 1-based position to a placement; returns its new 0-based index.</summary>
    public static int Move<T>(List<T> list, int position, RulePlacement placement)
    {
        CheckPosition(position, list.Count);
        var e = list[position - 1];
        int target = IndexFor(placement, list.Count);
        list.RemoveAt(position - 1);
        if (target > position - 1) target--;
        target = Math.Clamp(target, 0, list.Count);
        list.Insert(target, e);
        return target;
    }

    /// <summary>Replaces the item at a 1-based position.</summary>
    public static void Replace<T>(List<T> list, int position, Func<T, T> change)
    {
        CheckPosition(position, list.Count);
        list[position - 1] = change(list[position - 1]);
    }

    /// <summary>Removes the item at a 1-based position.</summary>
    public static void Remove<T>(List<T> list, int position)
    {
        CheckPosition(position, list.Count);
        list.RemoveAt(position - 1);
    }

    public static void CheckPosition(int position, int count)
    {
        if (position < 1 || position > count)
            throw IllumosException.NotFound("FirewallRuleNotFound", $"There is no rule at position {position} (the rule set has {count}).", position);
    }

    public static FirewallRule ToModel(FirewallScope scope, int position, RuleEntry e, RuleStats? stats)
    {
        var r = e.Rule;
        return new FirewallRule
        {
            Zone = scope.Zone,
            GlobalControlled = scope.GlobalControlled,
            Position = position,
            Enabled = e.Enabled,
            Text = e.Text,
            Action = r.Action.ToString().ToLowerInvariant(),
            Direction = r.Out ? "out" : "in",
            Quick = r.Quick,
            Protocol = r.Protocol switch { null => null, -1 => "tcp/udp", { } p => IpfNames.ProtocolName(p) },
            Interfaces = r.On,
            Source = (r.From.Negated ? "!" : "") + IpfPrinter.Address(r.From.Address, ""),
            SourcePort = r.From.Port?.ToString(),
            Destination = (r.To.Negated ? "!" : "") + IpfPrinter.Address(r.To.Address, ""),
            DestinationPort = r.To.Port?.ToString(),
            KeepState = r.KeepState,
            Head = r.Head,
            Group = r.Group,
            Hits = stats?.Hits ?? 0,
            Bytes = stats?.Bytes ?? 0,
        };
    }

    public static NatRule ToModel(FirewallScope scope, int position, NatEntry e) => new()
    {
        Zone = scope.Zone,
        GlobalControlled = scope.GlobalControlled,
        Position = position,
        Text = e.Text,
        Kind = e.Rule.Kind switch { NatKind.Map => "map", NatKind.Bimap => "bimap", NatKind.MapBlock => "map-block", _ => "rdr" },
        Interfaces = e.Rule.Interfaces,
    };

    public static FirewallSyntaxReport Check(string text, bool nat)
    {
        if (nat)
        {
            var n = IpnatParser.Parse(text);
            return new FirewallSyntaxReport(n.Success, n.Rules.Select(IpnatPrinter.Print).ToList(), n.Errors);
        }
        var r = IpfParser.Parse(text);
        return new FirewallSyntaxReport(r.Success, r.Rules.SelectMany(IpfPrinter.PrintWithTables).ToList(), r.Errors);
    }

    /// <summary>Reads packets given as fields or raw ipftest lines; unreadable packets are reported, never thrown.</summary>
    public static List<(string Display, IpPacket? Packet, string? Error)> ReadPackets(IReadOnlyList<FirewallPacket> packets)
    {
        var list = new List<(string, IpPacket?, string?)>();
        foreach (var p in packets)
        {
            var text = p.Raw ?? p.ToTextLine();
            var errors = new List<string>();
            var read = p.IsHex ? PacketFormats.ReadHex(text.TrimEnd('\n') + "\n\n", errors) : PacketFormats.ReadText(text, errors);
            if (read.Count == 1 && errors.Count == 0) list.Add((text.Trim(), read[0], null));
            else list.Add((text.Trim(), null, errors.Count > 0 ? string.Join("; ", errors) : $"expected one packet, read {read.Count}"));
        }
        return list;
    }
}
