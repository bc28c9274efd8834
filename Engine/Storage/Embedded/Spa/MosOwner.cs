using Illumos.Engine.Storage.Embedded.Checksums;
using Illumos.Engine.Storage.Embedded.Compression;
using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Spa;

/// <summary>
/// Owner of the MOS's blocks: no snapshots, so a replaced block is freed as soon as the txg commits.
/// MOS blocks are not logged in the space map; import claims them by walking the MOS.
/// Metadata is lz4-compressed, fletcher4-checksummed, and kept in two copies (ditto blocks).
/// </summary>
public sealed class MosOwner(SpaceManager space) : IBlockOwner
{
    public void Born(in BlockPointer bp) { }
    public void Kill(in BlockPointer bp) => space.Free(bp, logged: false);
    public WriteProps PropsFor(BlockType type, byte level) =>
        new(ChecksumKind.Fletcher4, CompressionKind.Lz4, 0, 2, type == BlockType.Data ? BlockType.Meta : type, level, Logged: false);
}
