using System.Diagnostics;
using Illumos.Engine.Storage.Embedded.Dsl;
using Illumos.Engine.Storage.Embedded.Replication;
using Illumos.Engine.Storage.Embedded.Spa;
using Illumos.Engine.Storage.Replication;

namespace Illumos.Engine.Storage.Embedded;

/// <summary>
/// zfs send and receive on the embedded engine. A send walks snapshots, which never change, in steps
/// that each hold the storage lock briefly, and writes outside the lock, so a stream can be piped
/// into a receive on the same host. A receive reads outside the lock and applies records in batches
/// once the record after them has confirmed their checksum; it works on a dataset nobody else sees
/// (a new, hidden one, or the hidden %recv clone of the target) until its END arrives.
/// </summary>
public sealed partial class EmbeddedStorage
{
    private const int ReceiveBatchBytes = 4 << 20;

    private sealed record SendUnit(Pool Pool, Dataset Snapshot, SubstreamPlan Plan);

    /// <summary>The substreams of a send, behind a replication header for -R/-p.</summary>
    private sealed record SendPlan(List<SendUnit> Units, ReplicationHeader? Header);

    public ZSendEstimate EstimateSend(SendRequest request, CancellationToken ct) => Locked(() =>
    {
        var plan = PlanSend(request);
        var units = plan.Units;
        var subs = new List<ZSendSubstream>();
        long header = 0;
        if (plan.Header is { } h)
        {
            var w = new SendStreamWriter(Stream.Null);
            WriteHeader(w, h);
            header = w.BytesWritten;
        }
        foreach (var u in units)
        {
            var w = new SendStreamWriter(Stream.Null);
            foreach (var _ in new DatasetSender(u.Snapshot, u.Pool.Dsl.OpenObjectSet(u.Snapshot), w, u.Plan, estimate: true).Steps()) ct.ThrowIfCancellationRequested();
            subs.Add(new ZSendSubstream(u.Snapshot.FullName, u.Plan.FromName, (ulong)w.BytesWritten));
        }
        var last = plan.Header is null ? units[^1].Snapshot.FullName : request.Snapshot;
        return new ZSendEstimate { Snapshot = last, From = request.From ?? units.FirstOrDefault()?.Plan.FromName, Substreams = subs, Bytes = (ulong)(header + subs.Sum(s => (long)s.Bytes)) };
    });

    public void Send(SendRequest request, Stream output, IEngineSink sink, CancellationToken ct)
    {
        // The estimate (a metadata walk) only serves the progress bar.
        var total = sink is NullSink ? 0 : EstimateSend(request, ct).Bytes;
        var plan = Locked(() =>
        {
            var p = PlanSend(request);
            foreach (var x in p.Units) x.Snapshot.ActiveSends++;
            return p;
        });
        var units = plan.Units;
        var buffer = new MemoryStream();
        var writer = new SendStreamWriter(buffer);
        if (plan.Header is { } header) WriteHeader(writer, header);
        var clock = Stopwatch.StartNew();
        long reported = 0;
        try
        {
            foreach (var u in units)
            {
                var steps = Locked(() => new DatasetSender(u.Snapshot, u.Pool.Dsl.OpenObjectSet(u.Snapshot), writer, u.Plan, estimate: false).Steps().GetEnumerator());
                bool more = true;
                while (more)
                {
                    ct.ThrowIfCancellationRequested();
                    more = Locked(() => steps.MoveNext() && steps.Current);
                    output.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
                    buffer.SetLength(0);
                    if (writer.BytesWritten - reported >= 8 << 20 || !more)
                    {
                        reported = writer.BytesWritten;
                        sink.Progress(TransferProgress("Sending " + u.Snapshot.FullName, writer.BytesWritten, (long)total, clock.Elapsed));
                    }
                }
            }
            output.Flush();
        }
        finally
        {
            Locked(() => { foreach (var x in units) x.Snapshot.ActiveSends--; });
            sink.Progress(new EngineProgress(1, "zfs send", "done", Completed: true));
        }
    }

    internal static EngineProgress TransferProgress(string activity, long bytes, long total, TimeSpan elapsed)
    {
        double rate = bytes / Math.Max(0.001, elapsed.TotalSeconds);
        int pct = total > 0 ? (int)Math.Clamp(bytes * 100 / total, 0, 100) : -1;
        int eta = total > 0 && rate > 0 ? (int)Math.Max(0, (total - bytes) / rate) : -1;
        return new EngineProgress(1, activity, $"{Size.Format((ulong)bytes)} of {Size.Format((ulong)Math.Max(0, total))} at {Size.Format((ulong)rate)}/s", pct, eta);
    }

    /// <summary>The receive_resume_token of a head with a partial resumable receive (its own, or its %recv clone's).</summary>
    private static string? ResumeTokenOf(Pool p, Dataset head)
    {
        var partial = head.Receiving is not null ? head : p.Dsl.TryHead(head.Name + "/%recv");
        if (partial?.Receiving is not { Resumable: true } st) return null;
        return ResumeToken.Encode(new ResumeTokenInfo(st.FromGuid == 0 ? null : st.FromGuid, st.Object, st.Offset, st.Bytes, st.ToGuid, st.ToName,
            LargeBlockOk: st.LargeBlocks, EmbedOk: false, CompressOk: st.Compressed, RawOk: false));
    }

    /// <summary>zfs send -t: the snapshot and base the token names (by guid), from the object and offset it reached.</summary>
    private SendUnit PlanResume(string token)
    {
        var info = ResumeToken.DecodeInfo(token);
        var p = PoolOf(info.ToName);
        var to = Snap(p, info.ToName);
        if (to.Guid != info.ToGuid)
            throw IllumosException.NotFound("ResumeSnapshotChanged", $"'{info.ToName}' is not the snapshot the token was made for (guid {info.ToGuid:x}); it was destroyed or replaced.", info.ToName);
        var head = to.Head!;
        Dataset? from = null;
        if (info.FromGuid is { } fg)
            from = head.Snapshots.Concat(head.Bookmarks).FirstOrDefault(s => s.Guid == fg)
                ?? throw IllumosException.NotFound("ResumeBaseMissing", $"'{head.Name}' no longer has the snapshot or bookmark (guid {fg:x}) the interrupted stream started from.", info.ToName);
        var payload = new NvList().Add("resume_object", info.Object).Add("resume_offset", info.Offset).Pack();
        Array.Resize(ref payload, (payload.Length + 7) & ~7); // payloads are whole 8-byte words; unpacking ignores the tail
        return new SendUnit(p, to, new SubstreamPlan
        {
            FromTxg = from?.CreateTxg ?? 0, FromGuid = from?.Guid ?? 0, FromName = from?.FullName,
            Compressed = info.CompressOk, LargeBlocks = info.LargeBlockOk || LargeBlocks(p, head),
            ResumeObject = info.Object, ResumeOffset = info.Offset, ResumePayload = payload,
        });
    }

    private static void WriteHeader(SendStreamWriter w, ReplicationHeader h)
    {
        w.Begin(new DrrRecord { VersionInfo = DrrRecord.CompoundStream, CreationTime = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ToName = h.FileSystems[0].Name + "@" + h.ToSnap }, h.Pack());
        w.End();
    }

    private SendPlan PlanSend(SendRequest r)
    {
        if (r.ResumeToken is not null) return new SendPlan([PlanResume(r.ResumeToken)], null);
        if (r.Recursive || r.Properties) return PlanReplication(r);
        return new SendPlan(PlanSubstreams(r), null);
    }

    /// <summary>
    /// zfs send -R/-p: every filesystem of the tree (or just the one with -p) with its snapshots up to
    /// the named one. Without -From each gets all of them (the first full, the rest incremental);
    /// with it, the increment from the snapshot of that name (all in between with -I). A filesystem
    /// without the base snapshot (created since) is sent in full.
    /// </summary>
    private SendPlan PlanReplication(SendRequest r)
    {
        var p = PoolOf(r.Snapshot);
        var top = Snap(p, r.Snapshot);
        string toSnap = top.Name;
        string? fromSnap = null;
        if (r.From is { } from)
        {
            if (from.Contains('#')) throw IllumosException.Invalid("SendReplicationFromBookmark", "A replication stream (-Recursive/-IncludeProperties) starts from a snapshot, not a bookmark.", from);
            var f = ResolveFrom(p, top.Head!, from);
            if (f.CreateTxg >= top.CreateTxg) throw IllumosException.Invalid("SendFromNotEarlier", $"'{f.FullName}' is not earlier than '{top.FullName}'.", from);
            fromSnap = f.Name;
        }
        var heads = new List<Dataset> { top.Head! };
        if (r.Recursive)
            heads.AddRange(OriginsFirst(p.Dsl.Heads.Where(h => !h.IsHidden && h.Name.StartsWith(top.Head!.Name + "/", StringComparison.Ordinal)).OrderBy(h => h.Name, StringComparer.Ordinal).ToList(), p));
        var units = new List<SendUnit>();
        var described = new List<ReplicationHeader.FileSystem>();
        foreach (var h in heads)
        {
            var to = h.Snapshots.FirstOrDefault(s => s.Name == toSnap);
            if (to is null) continue; // zfs send -R skips descendants that lack the snapshot
            described.Add(ReplicationHeader.Describe(p.Dsl, h, to.CreateTxg, fromSnap));
            var plan = new SubstreamPlan { Compressed = r.Compressed, LargeBlocks = LargeBlocks(p, h) };
            var baseSnap = fromSnap is null ? null : h.Snapshots.FirstOrDefault(s => s.Name == fromSnap);
            var chain = h.Snapshots.Where(s => s.CreateTxg <= to.CreateTxg && (baseSnap is null || s.CreateTxg > baseSnap.CreateTxg)).ToList();
            if (baseSnap is not null && !r.IncludeIntermediate) chain = [to];
            Dataset? prev = baseSnap;
            // A clone whose origin travels in this stream starts as an increment from that origin (zfs send -R does the same).
            bool clone = false;
            if (prev is null && h.OriginId != 0 && p.Dsl.ById(h.OriginId) is { } origin && units.Any(u => u.Snapshot == origin))
            {
                prev = origin;
                clone = true;
            }
            foreach (var s in chain)
            {
                units.Add(new SendUnit(p, s, prev is null ? plan : plan with { FromTxg = prev.CreateTxg, FromGuid = prev.Guid, FromName = prev.FullName, FromOrigin = clone }));
                prev = s;
                clone = false;
            }
        }
        var header = new ReplicationHeader { ToSnap = toSnap, FromSnap = fromSnap, NotRecursive = !r.Recursive, FileSystems = described };
        return new SendPlan(units, header);
    }

    /// <summary>Heads ordered so that a clone comes after the dataset holding its origin (otherwise by name).</summary>
    private static IEnumerable<Dataset> OriginsFirst(List<Dataset> heads, Pool p)
    {
        var pending = new List<Dataset>(heads);
        while (pending.Count > 0)
        {
            var next = pending.FirstOrDefault(h => h.OriginId == 0 || p.Dsl.ById(h.OriginId)?.Head is not { } oh || !pending.Contains(oh) || oh == h) ?? pending[0];
            pending.Remove(next);
            yield return next;
        }
    }

    /// <summary>The substreams of a send: one for a full or incremental stream, one per snapshot with -I.</summary>
    private List<SendUnit> PlanSubstreams(SendRequest r)
    {
        var p = PoolOf(r.Snapshot);
        var to = Snap(p, r.Snapshot);
        var head = to.Head!;
        var plan = new SubstreamPlan { Compressed = r.Compressed, LargeBlocks = LargeBlocks(p, head) };
        if (r.From is null)
        {
            if (r.IncludeIntermediate) throw IllumosException.Invalid("SendIntermediateNeedsFrom", "-IncludeIntermediate needs -From (the snapshot to start after).", r.Snapshot);
            return [new SendUnit(p, to, plan)];
        }
        var from = ResolveFrom(p, head, r.From);
        if (from.CreateTxg >= to.CreateTxg)
            throw IllumosException.Invalid("SendFromNotEarlier", $"'{from.FullName}' is not earlier than '{to.FullName}'; an incremental stream goes from an older snapshot to a newer one.", r.From);
        if (!r.IncludeIntermediate) return [new SendUnit(p, to, plan with { FromTxg = from.CreateTxg, FromGuid = from.Guid, FromName = from.FullName })];
        var units = new List<SendUnit>();
        Dataset prev = from;
        foreach (var s in head.Snapshots.Where(s => s.CreateTxg > from.CreateTxg && s.CreateTxg <= to.CreateTxg))
        {
            units.Add(new SendUnit(p, s, plan with { FromTxg = prev.CreateTxg, FromGuid = prev.Guid, FromName = prev.FullName }));
            prev = s;
        }
        return units;
    }

    private static Dataset ResolveFrom(Pool p, Dataset head, string from)
    {
        string full = from.StartsWith('@') || from.StartsWith('#') ? head.Name + from : from;
        var ds = full.Contains('#') ? Bookmark(p, full) : Snap(p, full);
        if (ds.Head != head)
            throw IllumosException.Invalid("SendFromOtherDataset", $"'{full}' belongs to '{ds.Head!.Name}', not to '{head.Name}'; an incremental stream starts from a snapshot or bookmark of the same dataset.", from);
        return ds;
    }

    private static bool LargeBlocks(Pool p, Dataset head)
    {
        var prop = head.Kind == DatasetKind.Volume ? "volblocksize" : "recordsize";
        return long.TryParse(p.Dsl.Props.Get(head, prop), out var bs) && bs > 128 * 1024;
    }

    // ---------------- receive ----------------

    private sealed class ReceiveJob
    {
        public required Pool Pool { get; init; }
        public required Dataset Into { get; init; }
        /// <summary>The existing dataset an incremental lands on (null for a full stream: <see cref="Into"/> is the new dataset).</summary>
        public Dataset? Target { get; init; }
        public required DatasetReceiver Receiver { get; init; }
        public required bool Volume { get; init; }
        /// <summary>Bytes received by earlier attempts of a resumed receive.</summary>
        public long BytesBefore { get; init; }
        public bool Resumed { get; init; }
    }

    public ZReceiveResult Receive(ReceiveRequest request, Stream input, IEngineSink sink, CancellationToken ct)
    {
        var reader = new SendStreamReader(input);
        var clock = Stopwatch.StartNew();
        var snapshots = new List<string>();
        string dataset = "";
        bool resumed = false;
        var begin = reader.Next()!;
        ReplicationHeader? header = null;
        Func<string, string>? map = null;
        if (begin.Type == DrrType.Begin && begin.HeaderType == DrrRecord.CompoundStream)
        {
            header = ReplicationHeader.Unpack(reader.Payload.Span);
            if (reader.Next() is not { Type: DrrType.End }) throw StreamObjects.Bad("the replication header is not followed by its END");
            map = Locked(() => PrepareReplication(request, header));
            dataset = map(header.FileSystems[0].Name);
            begin = reader.Next()!;
            if (begin is null) return new ZReceiveResult { Dataset = dataset, Bytes = (ulong)reader.Position };
        }
        while (true)
        {
            if (begin.Type != DrrType.Begin || begin.HeaderType != DrrRecord.SubStream)
                throw StreamObjects.Bad($"record {reader.RecordIndex} is not the BEGIN of a substream");
            resumed |= begin.Features.HasFlag(StreamFeatures.Resuming);
            var sub = request;
            ReplicationHeader.FileSystem? described = null;
            if (header is not null)
            {
                var sentFs = begin.ToName.Split('@')[0];
                described = header.FileSystems.FirstOrDefault(f => f.Name == sentFs) ?? throw StreamObjects.Bad($"the substream {begin.ToName} is not described by the replication header");
                sub = request with { Target = map!(sentFs), AppendNameWithoutPool = false, AppendLastName = false };
            }
            var (ds, snap) = ReceiveSubstream(sub, reader, begin, sink, clock, ct);
            if (described is not null) Locked(() => ApplyReceivedProperties(ds, snap, described, request, sink));
            else dataset = ds;
            snapshots.Add(snap);
            var next = reader.Next();
            if (next is null) break;
            begin = next;
        }
        sink.Progress(new EngineProgress(1, "zfs receive", "done", Completed: true));
        return new ZReceiveResult { Dataset = dataset, Snapshots = snapshots, Bytes = (ulong)reader.Position, Resumed = resumed };
    }

    private (string Dataset, string Snapshot) ReceiveSubstream(ReceiveRequest request, SendStreamReader reader, DrrRecord begin, IEngineSink sink, Stopwatch clock, CancellationToken ct)
    {
        var beginPayload = reader.Payload.ToArray();
        var job = Locked(() => StartReceive(request, begin, beginPayload));
        var batch = new List<(DrrRecord Rec, byte[] Payload)>();
        (DrrRecord Rec, byte[] Payload)? pending = null;
        long batchBytes = 0, reported = 0;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var rec = reader.Next() ?? throw StreamObjects.Bad("the stream ends without an END record");
                // The record just read has confirmed the checksum of the one before it (payload included).
                if (pending is { } confirmed) { batch.Add(confirmed); batchBytes += confirmed.Payload.Length + DrrRecord.Size; }
                pending = (rec, reader.Payload.ToArray());
                if (rec.Type == DrrType.Begin) throw StreamObjects.Bad($"record {reader.RecordIndex} is a BEGIN inside a substream");
                if (rec.Type == DrrType.End)
                {
                    if (rec.EndToGuid != begin.BeginToGuid) throw StreamObjects.Bad("the END record names a different snapshot than the BEGIN");
                    batch.Add(pending.Value);
                    pending = null;
                    return Locked(() => { Apply(job, batch, reader.Position); return FinishReceive(job, begin, request); });
                }
                if (rec.RecordToGuid != begin.BeginToGuid) throw StreamObjects.Bad($"record {reader.RecordIndex} belongs to another stream (toguid {rec.RecordToGuid:x})");
                if (batchBytes >= ReceiveBatchBytes)
                {
                    var work = batch.ToList();
                    batch.Clear();
                    batchBytes = 0;
                    Locked(() => Apply(job, work, reader.Position));
                }
                if (reader.Position - reported >= 8 << 20)
                {
                    reported = reader.Position;
                    sink.Progress(TransferProgress("Receiving " + begin.ToName, reader.Position, -1, clock.Elapsed));
                }
            }
        }
        catch (Exception e) when (e is IllumosException or IOException or OperationCanceledException)
        {
            Locked(() => AbandonReceive(job, batch, request.Resumable || job.Resumed, reader.Position));
            throw;
        }
    }

    /// <summary>
    /// Before the substreams of a replication stream: where each sent filesystem lands, and for an
    /// incremental one the changes on the sending side that the stream itself does not carry —
    /// renamed filesystems and snapshots (found by guid) are renamed, and with -Force snapshots and
    /// filesystems the sender no longer has are destroyed.
    /// </summary>
    private Func<string, string> PrepareReplication(ReceiveRequest request, ReplicationHeader header)
    {
        var top = header.FileSystems[0].Name;
        if (request.Target.Contains('@')) throw IllumosException.Invalid("ReceiveReplicationTarget", "A replication stream is received into a filesystem, not a snapshot name.", request.Target);
        string topTarget = AppendSentName(request, top);
        NameRules.CheckDatasetName(topTarget);
        string Map(string sent) => topTarget + sent[top.Length..];
        if (header.FromSnap is null) return Map;
        var p = PoolOf(topTarget);
        var matched = new HashSet<Dataset>();
        foreach (var fs in header.FileSystems)
        {
            var baseGuid = fs.Snaps.FirstOrDefault(x => x.Name == header.FromSnap).Guid;
            if (baseGuid == 0) continue; // created since the base: it arrives as a full stream
            var found = p.Dsl.Heads.FirstOrDefault(h => !h.IsHidden && h.Snapshots.Any(x => x.Guid == baseGuid));
            if (found is null) continue;
            matched.Add(found);
            if (found.Name != Map(fs.Name) && p.Dsl.TryHead(Map(fs.Name)) is null && p.Dsl.TryHead(Map(fs.Name)[..Map(fs.Name).LastIndexOf('/')]) is not null)
            {
                p.LogHistory($"zfs rename {found.Name} {Map(fs.Name)} (receive)", isInternal: true);
                p.Dsl.RenameHead(found, Map(fs.Name));
            }
            var sent = fs.Snaps.ToDictionary(x => x.Guid, x => x.Name);
            foreach (var snap in found.Snapshots.ToList())
            {
                if (sent.TryGetValue(snap.Guid, out var name))
                {
                    if (name != snap.Name && found.Snapshots.All(x => x.Name != name)) { snap.Name = name; snap.Dirty = true; }
                }
                else if (request.Force && snap.Holds.Count == 0 && !p.Dsl.ClonesOf(snap).Any() && snap.ActiveSends == 0) p.Dsl.DestroySnapshot(snap);
            }
        }
        if (request.Force && p.Dsl.TryHead(topTarget) is { } root)
            foreach (var gone in p.Dsl.Heads.Where(h => !h.IsHidden && h.Name.StartsWith(root.Name + "/", StringComparison.Ordinal) && !matched.Contains(h)
                         && h.Snapshots.Any(x => x.Name == header.FromSnap)).OrderByDescending(h => h.Name.Length).ToList())
                if (p.Dsl.TryHead(gone.Name) is not null) DestroyTree(p, gone);
        p.Sync();
        return Map;
    }

    /// <summary>A replication stream's properties land as received values (-x leaves some out, -o sets local ones); snapshots get their user properties.</summary>
    private void ApplyReceivedProperties(string dataset, string snapshot, ReplicationHeader.FileSystem fs, ReceiveRequest request, IEngineSink sink)
    {
        var p = PoolOf(dataset);
        var head = Head(p, dataset);
        head.Received.Clear();
        foreach (var (k, v) in fs.Props)
        {
            if (request.ExcludeProperties.Contains(k)) continue;
            try { head.Received[k] = PropertyTable.IsUserProperty(k) ? v : PropertyTable.Validate(k, v, head.Kind, creating: false); }
            catch (IllumosException e) { sink.Warning($"{dataset}: the received property {k}={v} was not applied: {e.Message}"); }
        }
        head.Dirty = true;
        var snap = Snap(p, snapshot);
        if (fs.SnapProps.TryGetValue(snap.Name, out var sp))
        {
            foreach (var (k, v) in sp) if (PropertyTable.IsUserProperty(k)) snap.Received[k] = v;
            snap.Dirty = true;
        }
        p.Sync();
    }

    private static void Apply(ReceiveJob job, List<(DrrRecord Rec, byte[] Payload)> batch, long position)
    {
        foreach (var (rec, payload) in batch) job.Receiver.Apply(rec, payload);
        batch.Clear();
        job.Into.Receiving!.Bytes = (ulong)(job.BytesBefore + position);
        if (job.Pool.DirtyBytes > Pool.DirtyMax) job.Pool.Sync();
    }

    /// <summary>Checks the stream against the target and creates the dataset the records go into.</summary>
    private ReceiveJob StartReceive(ReceiveRequest request, DrrRecord begin, ReadOnlySpan<byte> payload)
    {
        bool volume = begin.ObjsetType == StreamObjects.ObjsetZvol;
        if (!volume && begin.ObjsetType != StreamObjects.ObjsetZfs)
            throw StreamObjects.Bad($"the stream is of objset type {begin.ObjsetType}, neither a filesystem nor a volume");
        if (!volume && !begin.Features.HasFlag(StreamFeatures.EmbeddedZpl))
            throw new IllumosException(ErrorKind.NotImplemented, "ReceiveOpenZfsFileSystem",
                "The stream is an OpenZFS filesystem stream; the embedded engine's ZPL is not laid out like OpenZFS's (ZAP directories, SA attributes), so it can receive volume streams from OpenZFS but not filesystem streams.", begin.ToName);
        var (targetName, snapName) = ReceiveNames(request, begin.ToName);
        var p = PoolOf(targetName);
        var state = new ReceiveState
        {
            ToGuid = begin.BeginToGuid, FromGuid = begin.BeginFromGuid, ToName = begin.ToName, SnapshotName = snapName, TargetName = targetName,
            CreationTime = (long)begin.CreationTime, Resumable = request.Resumable,
            Compressed = begin.Features.HasFlag(StreamFeatures.Compressed), LargeBlocks = begin.Features.HasFlag(StreamFeatures.LargeBlocks),
        };
        var existing = p.Dsl.TryHead(targetName);
        if (begin.Features.HasFlag(StreamFeatures.Resuming)) return ResumeReceive(request, begin, payload, p, targetName, existing, volume);
        if (begin.BeginFromGuid == 0)
        {
            if (existing is { Receiving: not null })
            {
                if (existing.Receiving.Resumable) throw ResumeStatePresent(targetName);
                DestroyTree(p, existing); // left by a receive that did not finish
                existing = null;
            }
            if (existing is not null)
                throw IllumosException.Exists("ReceiveTargetExists", $"'{targetName}' exists; a full stream creates a new dataset. Receive into a new name, destroy it first, or send an incremental stream.", targetName);
            RequireParent(p, targetName);
            var into = p.Dsl.CreateHead(targetName, volume ? DatasetKind.Volume : DatasetKind.FileSystem, new Dictionary<string, string>(), (_, _) => { });
            into.Receiving = state;
            return new ReceiveJob { Pool = p, Into = into, Receiver = new DatasetReceiver(into, p.Dsl.OpenObjectSet(into), volume), Volume = volume };
        }
        if (existing is null && (begin.BeginFlags & DrrRecord.BeginFlagClone) != 0) return ReceiveClone(begin, state, p, targetName, volume);
        var head = existing ?? throw IllumosException.NotFound("ReceiveTargetMissing", $"'{targetName}' does not exist; an incremental stream needs the dataset it was sent from (with snapshot guid {begin.BeginFromGuid:x}).", targetName);
        if (head.Receiving is not null) throw ResumeStatePresent(targetName);
        if ((head.Kind == DatasetKind.Volume) != volume)
            throw IllumosException.Invalid("ReceiveTypeMismatch", $"The stream is of a {(volume ? "volume" : "filesystem")} but '{targetName}' is a {(volume ? "filesystem" : "volume")}.", targetName);
        if (p.Dsl.TryHead(targetName + "/%recv") is { } stale)
        {
            if (stale.Receiving is { Resumable: true }) throw ResumeStatePresent(targetName);
            DestroyTree(p, stale);
        }
        var from = head.Snapshots.FirstOrDefault(s => s.Guid == begin.BeginFromGuid)
            ?? throw IllumosException.NotFound("ReceiveBaseMissing", $"The stream is an increment from a snapshot (guid {begin.BeginFromGuid:x}) that '{targetName}' does not have; it was made for a different base.", targetName);
        if (head.Snapshots.Any(s => s.Name == snapName)) throw IllumosException.Exists("SnapshotExists", $"The snapshot '{targetName}@{snapName}' already exists.", targetName + "@" + snapName);
        bool newer = head.Snapshots[^1] != from;
        bool modified = (head.Os?.IsDirty ?? false) || head.Root.Birth > from.CreateTxg;
        if ((newer || modified) && !request.Force)
            throw IllumosException.Refused(newer ? "ReceiveNewerSnapshots" : "ReceiveTargetModified",
                newer ? $"'{targetName}' has snapshots newer than '{from.FullName}', the stream's base; use -Force to roll back to it (destroying them)."
                      : $"'{targetName}' has changed since '{from.FullName}', the stream's base; use -Force to roll back to it first.", targetName);
        if (newer || modified) RollbackLocked(p, from, destroyNewer: true, destroyClones: false);
        var clone = p.Dsl.Clone(from, targetName + "/%recv", new Dictionary<string, string>());
        clone.Receiving = state;
        return new ReceiveJob { Pool = p, Into = clone, Target = head, Receiver = new DatasetReceiver(clone, p.Dsl.OpenObjectSet(clone), volume), Volume = volume };
    }

    /// <summary>A resuming stream continues the partial state it names (guid, object and offset must match).</summary>
    private static ReceiveJob ResumeReceive(ReceiveRequest request, DrrRecord begin, ReadOnlySpan<byte> payload, Pool p, string targetName, Dataset? existing, bool volume)
    {
        var partial = existing?.Receiving is not null ? existing : p.Dsl.TryHead(targetName + "/%recv");
        var st = partial?.Receiving;
        if (st is null || st.ToGuid != begin.BeginToGuid || st.FromGuid != begin.BeginFromGuid)
            throw IllumosException.NotFound("ReceiveResumeStateMissing", $"'{targetName}' has no partially received stream of {begin.ToName} to resume.", targetName);
        var nv = NvList.Unpack(payload);
        if (!nv.TryGetUInt64("resume_object", out var obj) || !nv.TryGetUInt64("resume_offset", out var off) || obj != st.Object || off != st.Offset)
            throw IllumosException.Invalid("ReceiveResumePointMismatch", $"The resuming stream starts at a different place than where '{targetName}' stopped (object {st.Object}, offset {st.Offset}); send with the current receive_resume_token.", targetName);
        st.Resumable = true;
        return new ReceiveJob
        {
            Pool = p, Into = partial!, Target = partial == existing ? null : existing, BytesBefore = (long)st.Bytes, Resumed = true,
            Receiver = new DatasetReceiver(partial!, p.Dsl.OpenObjectSet(partial!), volume), Volume = volume,
        };
    }

    /// <summary>A received dataset is created below an existing filesystem (not a pool's root, not under a volume).</summary>
    private static void RequireParent(Pool p, string targetName)
    {
        var parentName = targetName.Contains('/') ? targetName[..targetName.LastIndexOf('/')] : null;
        if (parentName is null) throw IllumosException.Exists("ReceiveTargetExists", $"'{targetName}' is a pool's root dataset; receive into a dataset below it.", targetName);
        var parent = p.Dsl.TryHead(parentName) ?? throw IllumosException.NotFound("ParentNotFound", $"The parent '{parentName}' does not exist; create it first.", targetName);
        if (parent.Kind == DatasetKind.Volume) throw IllumosException.Invalid("ParentIsVolume", "Volumes cannot have children.", targetName);
    }

    /// <summary>A clone stream (BEGIN flag CLONE): the new dataset is a clone of the snapshot with the stream's base guid, then the increment applies.</summary>
    private static ReceiveJob ReceiveClone(DrrRecord begin, ReceiveState state, Pool p, string targetName, bool volume)
    {
        // Received snapshots keep the sender's guid, so a pool can hold several with it: the nearest to the target wins.
        static int Shared(string a, string b) { int i = 0; while (i < a.Length && i < b.Length && a[i] == b[i]) i++; return i; }
        var origin = p.Dsl.Heads.Where(h => !h.IsHidden).SelectMany(h => h.Snapshots).Where(s => s.Guid == begin.BeginFromGuid)
            .OrderByDescending(s => Shared(s.Head!.Name, targetName)).FirstOrDefault()
            ?? throw IllumosException.NotFound("ReceiveOriginMissing", $"The stream is a clone of a snapshot (guid {begin.BeginFromGuid:x}) that this pool does not have; receive its origin first.", targetName);
        RequireParent(p, targetName);
        if ((origin.Head!.Kind == DatasetKind.Volume) != volume) throw StreamObjects.Bad("a clone stream's type differs from its origin's");
        var clone = p.Dsl.Clone(origin, targetName, new Dictionary<string, string>());
        clone.Receiving = state;
        return new ReceiveJob { Pool = p, Into = clone, Receiver = new DatasetReceiver(clone, p.Dsl.OpenObjectSet(clone), volume), Volume = volume };
    }

    private static IllumosException ResumeStatePresent(string target) =>
        IllumosException.Refused("ReceiveResumeStatePresent", $"'{target}' has a partially received stream; resume it by sending with its receive_resume_token, or discard it with Receive-ZSnapshot -Abort.", target);

    /// <summary>zfs receive -d (the sent name without its pool) and -e (its last component) appended to the target; else the target.</summary>
    private static string AppendSentName(ReceiveRequest r, string sentFs) =>
        r.AppendNameWithoutPool ? r.Target + (sentFs.Contains('/') ? sentFs[sentFs.IndexOf('/')..] : "")
        : r.AppendLastName ? r.Target + "/" + sentFs[(sentFs.LastIndexOf('/') + 1)..]
        : r.Target;

    /// <summary>Target dataset and snapshot name for a stream named <paramref name="toName"/> (zfs receive's -d and -e rules).</summary>
    private static (string Target, string Snapshot) ReceiveNames(ReceiveRequest r, string toName)
    {
        int at = toName.IndexOf('@');
        if (at <= 0) throw StreamObjects.Bad($"the stream's name '{toName}' is not a snapshot name");
        string sentFs = toName[..at], sentSnap = toName[(at + 1)..];
        string target = r.Target, snap = sentSnap;
        if (target.Contains('@'))
        {
            if (r.AppendNameWithoutPool || r.AppendLastName) throw IllumosException.Invalid("ReceiveTargetSnapshot", "With -d or -e the target is a filesystem, not a snapshot.", target);
            (target, snap) = NameRules.SplitSnapshot(target);
        }
        else target = AppendSentName(r, sentFs);
        NameRules.CheckDatasetName(target);
        NameRules.SplitSnapshot(target + "@" + snap);
        return (target, snap);
    }

    /// <summary>END arrived and checked: the received state becomes a snapshot of the target, in one txg.</summary>
    private (string, string) FinishReceive(ReceiveJob job, DrrRecord begin, ReceiveRequest request)
    {
        var p = job.Pool;
        var state = job.Into.Receiving!;
        var target = job.Target ?? job.Into;
        if (job.Volume)
        {
            var data = p.Dsl.OpenObjectSet(job.Into).TryGet(StreamObjects.ZvolDataObject) ?? throw StreamObjects.Bad("a volume stream has no data object");
            if (job.Receiver.VolumeSize is { } vs && (long)vs != data.Length) { data.Dn.Length = (long)vs; data.MarkDirty(); }
            if (job.Target is null)
            {
                job.Into.Local["volsize"] = Num(data.Length);
                job.Into.Local["volblocksize"] = Num(data.BlockSize);
            }
            else target.Local["volsize"] = Num(data.Length);
        }
        foreach (var (k, v) in request.SetProperties) target.Local[k] = PropertyTable.Validate(k, v, target.Kind, creating: job.Target is null);
        job.Into.Receiving = null;
        Dataset? snap = null;
        p.LogHistory($"zfs receive {(request.Force ? "-F " : "")}{target.Name}@{state.SnapshotName}");
        p.Sync(txg =>
        {
            if (job.Target is not null) p.Dsl.SwapReceived(job.Target, job.Into);
            snap = p.Dsl.Snapshot(target, state.SnapshotName, txg, null);
            snap.Guid = state.ToGuid;
            if (state.CreationTime > 0) snap.Creation = state.CreationTime;
        });
        return (target.Name, snap!.FullName);
    }

    /// <summary>A stream that failed or stopped: the partial dataset goes, or with -s it stays (with what was confirmed) for resuming.</summary>
    private void AbandonReceive(ReceiveJob job, List<(DrrRecord Rec, byte[] Payload)> confirmed, bool resumable, long position)
    {
        if (job.Into.Receiving is null) return; // finished (the failure came later)
        var p = job.Pool;
        if (resumable)
        {
            try { Apply(job, confirmed, position); }
            catch (IllumosException) { /* keep what was applied before */ }
            p.Sync();
            return;
        }
        DestroyTree(p, job.Into);
        p.Sync();
    }

    public void AbortReceive(string dataset, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(dataset);
        var head = Head(p, dataset);
        var partial = head.Receiving is not null ? head : p.Dsl.TryHead(dataset + "/%recv");
        if (partial?.Receiving is null) throw IllumosException.NotFound("ReceiveStateNotFound", $"'{dataset}' has no partially received stream to discard.", dataset);
        DestroyTree(p, partial);
        p.LogHistory("zfs receive -A " + dataset);
        p.Sync();
    });
}
