using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Dmu;

/// <summary>
/// Who pays for an object set's blocks: the DSL counts births and applies the kill rule (free now
/// or put on the deadlist); the MOS frees at once. Also supplies the write properties per block.
/// </summary>
public interface IBlockOwner
{
    void Born(in BlockPointer bp);
    void Kill(in BlockPointer bp);
    WriteProps PropsFor(BlockType type, byte level);
}
