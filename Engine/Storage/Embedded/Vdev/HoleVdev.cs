namespace Illumos.Engine.Storage.Embedded.Vdev;

/// <summary>
/// The place of a removed log vdev (ZFS's hole vdev): top-level vdev ids are positions that block
/// pointers name, so a removed vdev leaves a hole rather than renumbering the others. It has no
/// devices and no space; nothing is ever read from or written to it.
/// </summary>
public sealed class HoleVdev(int id, ulong guid, int ashift) : TopVdev(id, guid, "hole", ZVdevClass.Log, ashift, [])
{
    public override long Asize => 0;
    public override ZHealth State => ZHealth.ONLINE;
    public override long AsizeOf(int psize) => throw Hole();
    public override void Write(long offset, ReadOnlySpan<byte> data) => throw Hole();
    public override VdevReadResult Read(long offset, Span<byte> buffer, Func<ReadOnlySpan<byte>, bool> verify, bool scrub) => throw Hole();
    private IllumosException Hole() => new(ErrorKind.InvalidData, "BlockOnRemovedVdev", $"A block address names vdev {Id}, which was removed.", Id);
}
