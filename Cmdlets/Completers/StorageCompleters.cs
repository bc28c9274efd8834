using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Completers;

/// <summary>Completes filesystem and volume names.</summary>
public class ZDatasetNameCompleter : IllumosCompleter
{
    protected virtual ZDatasetType Types => ZDatasetType.FileSystem | ZDatasetType.Volume;

    protected override IEnumerable<string> GetNames(IllumosSession session, IDictionary fakeBoundParameters, string typed, CancellationToken ct) =>
        session.Facility<IStorage>().GetDatasets(null, null, Types, ct).Select(d => d.Name);
}

/// <summary>Completes filesystem names (clone targets, provider roots).</summary>
public sealed class ZFileSystemNameCompleter : ZDatasetNameCompleter
{
    protected override ZDatasetType Types => ZDatasetType.FileSystem;
}

/// <summary>Completes volume names.</summary>
public sealed class ZVolumeNameCompleter : ZDatasetNameCompleter
{
    protected override ZDatasetType Types => ZDatasetType.Volume;
}

/// <summary>Completes snapshot names; once "dataset@" is typed only that dataset's snapshots are listed.</summary>
public sealed class ZSnapshotNameCompleter : IllumosCompleter
{
    protected override IEnumerable<string> GetNames(IllumosSession session, IDictionary fakeBoundParameters, string typed, CancellationToken ct)
    {
        int at = typed.IndexOf('@');
        var dataset = at > 0 ? typed[..at] : BoundString(fakeBoundParameters, "DatasetName");
        var snaps = session.Facility<IStorage>().GetSnapshots(dataset, dataset is null, ct);
        // With -DatasetName bound and no '@' typed, offer the short snapshot names.
        return at <= 0 && dataset is not null ? snaps.Select(s => s.SnapshotName) : snaps.Select(s => s.Name);
    }

    internal static string? BoundString(IDictionary bound, string name)
    {
        if (!bound.Contains(name)) return null;
        var v = bound[name] is PSObject p ? p.BaseObject : bound[name];
        return v switch
        {
            string s => s,
            object[] { Length: 1 } a => a[0]?.ToString(),
            _ => null,
        };
    }
}

/// <summary>Completes bookmark names.</summary>
public sealed class ZBookmarkNameCompleter : IllumosCompleter
{
    protected override IEnumerable<string> GetNames(IllumosSession session, IDictionary fakeBoundParameters, string typed, CancellationToken ct)
    {
        int hash = typed.IndexOf('#');
        var dataset = hash > 0 ? typed[..hash] : ZSnapshotNameCompleter.BoundString(fakeBoundParameters, "DatasetName");
        return session.Facility<IStorage>().GetBookmarks(dataset, dataset is null, ct).Select(b => b.Name);
    }
}

/// <summary>Completes hold tags of the snapshot named on the command line.</summary>
public sealed class ZSnapshotHoldTagCompleter : IllumosCompleter
{
    protected override IEnumerable<string> GetNames(IllumosSession session, IDictionary fakeBoundParameters, string typed, CancellationToken ct)
    {
        var snapshot = ZSnapshotNameCompleter.BoundString(fakeBoundParameters, "Name");
        if (snapshot is null || !snapshot.Contains('@')) return [];
        return session.Facility<IStorage>().GetHolds(snapshot, false, ct).Select(h => h.Tag).Distinct();
    }
}

/// <summary>Completes native dataset property names.</summary>
public sealed class StoragePropertyNameCompleter : StorageValueCompleter
{
    /// <summary>The native properties zfs get/set/inherit know, in zfs's spelling.</summary>
    public static readonly string[] NativeProperties =
    [
        "aclinherit", "aclmode", "atime", "available", "canmount", "casesensitivity", "checksum", "compression",
        "compressratio", "copies", "creation", "dedup", "devices", "exec", "guid", "logbias", "logicalreferenced",
        "logicalused", "mounted", "mountpoint", "nbmand", "normalization", "origin", "primarycache", "quota",
        "readonly", "recordsize", "redundant_metadata", "referenced", "refquota", "refreservation", "relatime",
        "reservation", "secondarycache", "setuid", "sharenfs", "sharesmb", "snapdir", "sync", "type", "used",
        "usedbychildren", "usedbydataset", "usedbyrefreservation", "usedbysnapshots", "utf8only", "version",
        "volblocksize", "volmode", "volsize", "written", "xattr", "zoned",
    ];

    protected override IReadOnlyList<string> Values => NativeProperties;
}

/// <summary>Completes a fixed list of property values.</summary>
public abstract class StorageValueCompleter : IArgumentCompleter
{
    protected abstract IReadOnlyList<string> Values { get; }

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = new WildcardPattern(WildcardPattern.Escape(wordToComplete ?? "") + "*", WildcardOptions.IgnoreCase);
        return Values.Where(v => pattern.IsMatch(v)).Select(v => new CompletionResult(v, v, CompletionResultType.ParameterValue, v));
    }
}

/// <summary>Completes values of the compression property.</summary>
public sealed class ZCompressionCompleter : StorageValueCompleter
{
    protected override IReadOnlyList<string> Values { get; } =
        ["on", "off", "lz4", "zstd", "zstd-1", "zstd-3", "zstd-9", "zstd-19", "gzip", "gzip-1", "gzip-6", "gzip-9", "zle", "lzjb"];
}

/// <summary>Completes values of the checksum property.</summary>
public sealed class ZChecksumCompleter : StorageValueCompleter
{
    protected override IReadOnlyList<string> Values { get; } =
        ["on", "off", "fletcher2", "fletcher4", "sha256", "sha512", "skein", "edonr", "blake3"];
}
