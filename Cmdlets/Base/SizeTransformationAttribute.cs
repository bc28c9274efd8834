using System.Management.Automation;
using Illumos.Engine;

namespace Illumos.Cmdlets;

/// <summary>
/// Accepts sizes as zfs writes them ("64M", "1.5T"), as PowerShell writes them (10GB, which is
/// already a number) or plain bytes, and hands the cmdlet bytes.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SizeTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        switch (value)
        {
            case null: return null!;
            case ulong u: return u;
            case long l when l >= 0: return (ulong)l;
            case int i when i >= 0: return (ulong)i;
            case uint ui: return (ulong)ui;
            case double d when d >= 0 && d <= ulong.MaxValue && !double.IsNaN(d): return (ulong)Math.Round(d);
            case decimal m when m >= 0 && m <= ulong.MaxValue: return (ulong)Math.Round(m);
            case string s:
                if (Size.TryParse(s, out var bytes)) return bytes;
                break;
        }
        throw new ArgumentTransformationMetadataException(
            $"'{value}' is not a size. Use bytes or a number with a unit, such as 64M, 1.5T or 10GB.");
    }
}
