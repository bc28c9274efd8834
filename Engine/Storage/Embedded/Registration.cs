using System.Runtime.CompilerServices;
using Illumos.Engine.Sessions;

namespace Illumos.Engine.Storage.Embedded;

internal static class Registration
{
    // The engine registers its facilities from module initializers by design (see FacilityRegistry).
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() =>
        FacilityRegistry.Register<IStorage>(HostKind.Embedded, h => new EmbeddedStorage((EmbeddedHost)h), "Storage");
}
