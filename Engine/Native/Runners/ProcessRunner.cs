using System.Diagnostics;
using System.Text;

namespace Illumos.Engine.Native.Runners;

/// <summary>Starts a process with an argv array and LC_ALL=C, streams stdin/stdout, kills it on cancel.</summary>
internal static class ProcessRunner
{
    public static CommandResult Run(string fileName, IReadOnlyList<string> args, IReadOnlyList<string> reportedArgv, CommandOptions? options, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = options?.StdOut is null ? Encoding.UTF8 : null,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["LC_ALL"] = "C";

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IllumosException(ErrorKind.ResourceUnavailable, "CommandNotFound", $"Cannot run '{fileName}': {e.Message}", fileName, e);
        }

        using var timeout = options?.Timeout is { } t ? new CancellationTokenSource(t) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout?.Token ?? CancellationToken.None);
        using var registration = linked.Token.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } });

        var stderrTask = process.StandardError.ReadToEndAsync();
        Task<string> stdoutTask;
        if (options?.StdOut is { } sink)
            stdoutTask = process.StandardOutput.BaseStream.CopyToAsync(sink).ContinueWith(_ => "", TaskScheduler.Default);
        else
            stdoutTask = process.StandardOutput.ReadToEndAsync();

        var stdinTask = Task.Run(() =>
        {
            try
            {
                if (options?.StdIn is { } source) source.CopyTo(process.StandardInput.BaseStream);
            }
            catch (IOException) { /* the command closed its stdin early; its exit code tells the story */ }
            finally
            {
                try { process.StandardInput.Close(); } catch (IOException) { }
            }
        }, CancellationToken.None);

        process.WaitForExit();
        if (linked.Token.IsCancellationRequested)
        {
            // Killed: another process may still hold our pipes (an ssh ControlMaster keeps the stdio it was
            // handed until the remote side closes), so give the readers a moment, not forever.
            Task.WaitAll([stdoutTask, stderrTask, stdinTask], TimeSpan.FromSeconds(2));
        }
        else Task.WaitAll(stdoutTask, stderrTask, stdinTask);
        if (timeout?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
            throw new IllumosException(ErrorKind.OperationTimeout, "CommandTimedOut", $"'{string.Join(' ', reportedArgv)}' did not finish within {options!.Timeout}.", string.Join(' ', reportedArgv));
        cancellationToken.ThrowIfCancellationRequested();
        return new CommandResult(reportedArgv, process.ExitCode, stdoutTask.Result, stderrTask.Result);
    }
}
