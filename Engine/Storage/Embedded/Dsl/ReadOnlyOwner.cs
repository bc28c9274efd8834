using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Dsl;

/// <summary>The owner of a snapshot's object set: nothing may be born or killed there.</summary>
public sealed class ReadOnlyOwner : IBlockOwner
{
    public static readonly ReadOnlyOwner Instance = new();
    private static IllumosException Denied() => new(ErrorKind.PermissionDenied, "SnapshotReadOnly", "Snapshots are read-only.", null);
    public void Born(in BlockPointer bp) => throw Denied();
    public void Kill(in BlockPointer bp) => throw Denied();
    public WriteProps PropsFor(BlockType type, byte level) => throw Denied();
}
