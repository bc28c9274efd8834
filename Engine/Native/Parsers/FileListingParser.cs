using System.Globalization;
using Illumos.Engine.Native.Commands;
using Illumos.Engine.Storage;

namespace Illumos.Engine.Native.Parsers;

/// <summary>
/// Reads the records <see cref="PosixFileCommands"/> prints: NAME NUL FIELDS NUL LINK-TARGET NUL per entry,
/// FIELDS in the userland's own form:
/// GNU find <c>%y %s %b %m %U %G %n %i %A@ %T@ %C@ %B@</c> (times as seconds.fraction; %B@ is "-1..." when unknown);
/// FreeBSD stat <c>%#p %z %b %u %g %l %i %a %m %c %B</c> (octal st_mode with its type bits, whole seconds);
/// illumos <c>ls -dilnsE</c> inode, 512-byte blocks, mode string, links, uid, gid, size, mtime (date time zone),
/// then atime and ctime from <c>ls -dnuE</c> and <c>ls -dncE</c>.
/// </summary>
public static class FileListingParser
{
    public readonly record struct Entry(string Name, ZFileType Type, ulong Length, ulong AllocatedSize, int Mode, int Uid, int Gid, int Links, ulong ObjectId,
        DateTimeOffset AccessTime, DateTimeOffset ModifyTime, DateTimeOffset ChangeTime, DateTimeOffset? CreationTime, string? LinkTarget);

    public static List<Entry> Parse(string text, PosixUserland userland)
    {
        var parts = text.Split('\0');
        var result = new List<Entry>();
        // Every record ends with NUL, so the split ends with one empty piece after the last record.
        if ((parts.Length - 1) % 3 != 0 || parts[^1].Length != 0)
            throw new IllumosException(ErrorKind.ParserError, "FileListingMalformed", $"A file listing has {parts.Length - 1} NUL-terminated fields, not records of three.", text.Length > 200 ? text[..200] : text);
        for (int i = 0; i + 2 < parts.Length; i += 3)
            result.Add(Record(parts[i], parts[i + 1], parts[i + 2], userland));
        return result;
    }

    private static Entry Record(string name, string fields, string target, PosixUserland userland)
    {
        var f = fields.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            return userland switch
            {
                PosixUserland.Gnu => Gnu(name, f, target),
                PosixUserland.FreeBsd => FreeBsd(name, f, target),
                _ => Illumos(name, f, target),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException or IndexOutOfRangeException)
        {
            throw new IllumosException(ErrorKind.ParserError, "FileListingMalformed", $"Cannot read the file record '{fields}' of '{name}': {e.Message}", fields, e);
        }
    }

    private static Entry Gnu(string name, string[] f, string target)
    {
        var type = f[0] switch { "d" => ZFileType.Directory, "l" => ZFileType.Symlink, _ => ZFileType.File };
        return new Entry(name, type, U(f[1]), U(f[2]) * 512, Convert.ToInt32(f[3], 8), I(f[4]), I(f[5]), I(f[6]), U(f[7]),
            Seconds(f[8]), Seconds(f[9]), Seconds(f[10]), f.Length > 11 && !f[11].StartsWith('-') ? Seconds(f[11]) : null,
            type == ZFileType.Symlink ? target : null);
    }

    private static Entry FreeBsd(string name, string[] f, string target)
    {
        int mode = Convert.ToInt32(f[0], 8);
        var type = (mode & 0xF000) switch { 0x4000 => ZFileType.Directory, 0xA000 => ZFileType.Symlink, _ => ZFileType.File };
        return new Entry(name, type, U(f[1]), U(f[2]) * 512, mode & 0xFFF, I(f[3]), I(f[4]), I(f[5]), U(f[6]),
            Seconds(f[7]), Seconds(f[8]), Seconds(f[9]), f.Length > 10 && !f[10].StartsWith('-') && f[10] != "0" ? Seconds(f[10]) : null,
            type == ZFileType.Symlink ? target : null);
    }

    private static Entry Illumos(string name, string[] f, string target)
    {
        // inode blocks mode links uid gid size mdate mtime mzone adate atime azone cdate ctime czone
        var (type, mode) = ModeString(f[2]);
        return new Entry(name, type, U(f[6]), U(f[1]) * 512, mode, I(f[4]), I(f[5]), I(f[3]), U(f[0]),
            LsTime(f[10], f[11], f[12]), LsTime(f[7], f[8], f[9]), LsTime(f[13], f[14], f[15]), null,
            type == ZFileType.Symlink ? target : null);
    }

    /// <summary>"drwxr-sr-t+" → directory, 03755 (the setuid, setgid and sticky letters s/S and t/T included; a trailing ACL mark ignored).</summary>
    public static (ZFileType Type, int Mode) ModeString(string s)
    {
        if (s.Length < 10) throw new FormatException($"'{s}' is not a mode string");
        var type = s[0] switch { 'd' => ZFileType.Directory, 'l' => ZFileType.Symlink, _ => ZFileType.File };
        int mode = 0;
        for (int k = 0; k < 9; k++)
        {
            char c = s[1 + k];
            int bit = 1 << (8 - k);
            bool special = (k % 3 == 2) && c is 's' or 'S' or 't' or 'T';
            if (c != '-' && c is not ('S' or 'T')) mode |= bit; // S and T: the special bit without execute
            if (special) mode |= k switch { 2 => 0x800, 5 => 0x400, _ => 0x200 };
        }
        return (type, mode);
    }

    /// <summary>"1795832994.8917980100" → that instant (the fraction kept to the tick).</summary>
    public static DateTimeOffset Seconds(string s)
    {
        int dot = s.IndexOf('.');
        long whole = long.Parse(dot < 0 ? s : s[..dot], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        long ticks = 0;
        if (dot >= 0)
        {
            var frac = (s[(dot + 1)..] + "0000000")[..7];
            ticks = long.Parse(frac, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        return DateTimeOffset.UnixEpoch.AddSeconds(whole).AddTicks(ticks);
    }

    /// <summary>ls -E's "2024-01-02" "03:04:05.123456789" "+0000".</summary>
    public static DateTimeOffset LsTime(string date, string time, string zone)
    {
        var t = time.Contains('.') ? time[..Math.Min(time.Length, time.IndexOf('.') + 8)] : time;
        var offset = new TimeSpan(int.Parse(zone[1..3], CultureInfo.InvariantCulture), int.Parse(zone[3..5], CultureInfo.InvariantCulture), 0);
        if (zone[0] == '-') offset = -offset;
        var local = DateTime.ParseExact(date + " " + t, ["yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    private static ulong U(string s) => ulong.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
    private static int I(string s) => int.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
