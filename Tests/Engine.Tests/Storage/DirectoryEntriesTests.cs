using System.Buffers.Binary;
using System.Text;
using CsCheck;
using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Zpl;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

/// <summary>The hashed directory layout against a dictionary model, across splits, table doubling and a reopen.</summary>
public class DirectoryEntriesTests
{
    [Fact]
    public void Random_inserts_removes_and_lookups_agree_with_a_model_and_survive_reopen()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", null, false, default);
        var model = new Dictionary<string, (ulong, ObjectType)>(StringComparer.Ordinal);
        var ops = Gen.Select(Gen.Int[0, 9], Gen.Int[0, 6000], Gen.String[Gen.Char.AlphaNumeric, 0, 40]).Array[6000].Single();
        ulong dirId = f.Storage.Run("tank/fs", true, c =>
        {
            var dir = c.Os.Allocate(ObjectType.Directory, ZplFiles.DirBlockSize);
            foreach (var (op, k, suffix) in ops)
            {
                string name = $"n{k}{suffix}";
                if (op < 6) { model[name] = ((ulong)k, ObjectType.File); DirectoryEntries.Set(dir, name, (ulong)k, ObjectType.File); }
                else if (op < 8) Assert.Equal(model.Remove(name), DirectoryEntries.Remove(dir, name));
                else
                {
                    Assert.Equal(model.TryGetValue(name, out var m), DirectoryEntries.TryLookup(dir, name, out var e));
                    if (m != default) Assert.Equal(m, e);
                }
            }
            AssertSame(model, dir);
            return dir.Id;
        });
        f.Storage.Commit("tank/fs");
        f.Reopen();
        f.Storage.Run("tank/fs", false, c => { AssertSame(model, c.Os.Get(dirId)); return 0; });
    }

    [Fact]
    public void A_directory_in_the_earlier_packed_format_is_read_and_converted_on_change()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", null, false, default);
        f.Storage.Run("tank/fs", true, c =>
        {
            var dir = c.Os.Allocate(ObjectType.Directory, ZplFiles.DirBlockSize);
            var ms = new MemoryStream();
            var model = new Dictionary<string, (ulong, ObjectType)>(StringComparer.Ordinal);
            for (int i = 0; i < 2000; i++)
            {
                var nb = Encoding.UTF8.GetBytes($"old-{i}");
                var head = new byte[11];
                BinaryPrimitives.WriteUInt64LittleEndian(head, (ulong)i + 10);
                head[8] = (byte)ObjectType.File;
                BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(9), (ushort)nb.Length);
                ms.Write(head);
                ms.Write(nb);
                model[$"old-{i}"] = ((ulong)i + 10, ObjectType.File);
            }
            dir.Write(0, ms.ToArray());
            Assert.True(DirectoryEntries.TryLookup(dir, "old-1999", out var e) && e.Obj == 2009);
            AssertSame(model, dir);
            DirectoryEntries.Set(dir, "new", 5, ObjectType.Directory);
            model["new"] = (5, ObjectType.Directory);
            Assert.True(DirectoryEntries.Remove(dir, "old-7"));
            model.Remove("old-7");
            AssertSame(model, dir);
            return 0;
        });
    }

    private static void AssertSame(Dictionary<string, (ulong, ObjectType)> model, DmuObject dir)
    {
        Assert.Equal(model.Count, DirectoryEntries.Count(dir));
        Assert.Equal(model.OrderBy(kv => kv.Key, StringComparer.Ordinal), DirectoryEntries.Read(dir).Select(kv => KeyValuePair.Create(kv.Key, kv.Value)));
        foreach (var (name, value) in model)
            Assert.True(DirectoryEntries.TryLookup(dir, name, out var e) && e == value, name);
    }
}
