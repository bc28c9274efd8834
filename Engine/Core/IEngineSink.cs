namespace Illumos.Engine;

/// <summary>
/// How the engine talks back to whoever called it (a cmdlet, a test, the DSC executable):
/// verbose text, warnings and progress. Implementations must be called on the caller's thread.
/// </summary>
public interface IEngineSink
{
    void Verbose(string message);
    void Warning(string message);
    void Progress(EngineProgress progress);
}

/// <summary>A progress report; <see cref="Completed"/> closes the bar.</summary>
public sealed record EngineProgress(int Id, string Activity, string Status, int PercentComplete = -1, int SecondsRemaining = -1, bool Completed = false, string? CurrentOperation = null);

/// <summary>A sink that drops everything (library use, tests).</summary>
public sealed class NullSink : IEngineSink
{
    public static readonly NullSink Instance = new();
    public void Verbose(string message) { }
    public void Warning(string message) { }
    public void Progress(EngineProgress progress) { }
}
