namespace Illumos.Engine.Tracing;

/// <summary>Cuts streamed text into lines: each complete line is handed on at once, the unfinished rest on <see cref="Flush"/>.</summary>
public sealed class LineSplitter(Action<string> line)
{
    private readonly System.Text.StringBuilder _pending = new();

    public void Write(string text)
    {
        int start = 0;
        for (int nl = text.IndexOf('\n'); nl >= 0; nl = text.IndexOf('\n', start))
        {
            _pending.Append(text, start, nl - start);
            line(_pending.ToString());
            _pending.Clear();
            start = nl + 1;
        }
        _pending.Append(text, start, text.Length - start);
    }

    public void Flush()
    {
        if (_pending.Length == 0) return;
        line(_pending.ToString());
        _pending.Clear();
    }
}
