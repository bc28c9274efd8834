using System.Globalization;

namespace Illumos.Engine.Native.Commands;

/// <summary>The userland a native host's file commands speak; chosen from the capability probe's OS.</summary>
public enum PosixUserland
{
    /// <summary>GNU coreutils and findutils (Linux): <c>find -printf</c> lists a directory in one process. Covered by tests.</summary>
    Gnu,
    /// <summary>FreeBSD: <c>stat -f</c> per entry. Implemented from the manual pages only.</summary>
    FreeBsd,
    /// <summary>illumos: <c>ls -dilnsE</c> (and <c>-u</c>, <c>-c</c>) per entry; <c>iseek=</c>/<c>oseek=</c> for dd. Implemented from the manual pages only.</summary>
    Illumos,
}

/// <summary>
/// argv builders for file and volume access on a native host. Every command is <c>sh -c SCRIPT sh ARGS...</c>:
/// the script is a constant of this class (no caller text is ever spliced into it) and every path, name
/// or value arrives as a positional parameter, which the shell never re-parses; the argv itself reaches
/// the remote side through <see cref="Runners.PosixShell"/>. Paths are given as the dataset's directory
/// (its mountpoint, or <c>.zfs/snapshot/NAME</c> under it) plus a path relative to it whose components
/// were checked by the caller (no "." or ".."); the scripts refuse to pass through a symbolic link in
/// an intermediate component, so nothing outside the dataset is reached through a link.
/// Semantic failures leave with the exit codes below, so callers need not read localized stderr.
/// </summary>
public static class PosixFileCommands
{
    public const int ExitNotFound = 70;
    public const int ExitNotDirectory = 71;
    public const int ExitExists = 72;
    public const int ExitNotFile = 73;
    public const int ExitNotEmpty = 74;
    public const int ExitParentNotFound = 75;
    public const int ExitThroughSymlink = 76;
    public const int ExitSymlinkAttributes = 77;

    // $1 = the dataset's directory, $2 = the relative path ('' for the root); both are shifted away.
    // emit prints one record: NAME NUL FIELDS NUL LINK-TARGET NUL (meta prints FIELDS NUL TARGET).
    private const string Prelude = """
        r=$1; rel=$2; shift 2
        p=$r${rel:+/$rel}
        exists() { [ -e "$1" ] || [ -h "$1" ]; }
        nolinks() {
          q=$r; x=$1
          while :; do
            case $x in */*) c=${x%%/*}; x=${x#*/} ;; *) return 0 ;; esac
            q=$q/$c
            if [ -h "$q" ]; then exit 76; fi
          done
        }
        empty() {
          for f in "$1"/* "$1"/.[!.]* "$1"/..?*; do if exists "$f"; then return 1; fi; done
          return 0
        }
        emit() { printf '%s\0' "$2"; meta "$1"; printf '\0'; }
        parent() {
          d=${p%/*}
          exists "$d" || exit 75
          [ -d "$d" ] || exit 71
        }
        nolinks "$rel"

        """;

    /// <summary>GNU: one find prints everything, including the link target (%l).</summary>
    private const string GnuFields = "%y %s %b %m %U %G %n %i %A@ %T@ %C@ %B@";
    private const string GnuMeta = "meta() { find \"$1\" -maxdepth 0 -printf '" + GnuFields + "\\0%l'; }\n";

    // Elsewhere the target is read back from ls -dn: "... PATH -> TARGET" (the path is known, so the split is exact).
    private const string LinkTarget = """
        lt() { if [ -h "$1" ]; then t=$(ls -dn "$1"); printf '%s' "${t#*"$1 -> "}"; fi; }

        """;

    /// <summary>FreeBSD stat(1): lstat fields, mode in octal with its type bits, times in whole seconds.</summary>
    private const string FreeBsdMeta = LinkTarget + """
        meta() { stat -n -f '%#p %z %b %u %g %l %i %a %m %c %B' "$1" || exit 1; printf '\0'; lt "$1"; }

        """;

    /// <summary>illumos ls(1): -E prints full times ("2024-01-02 03:04:05.123456789 +0000"); -u and -c give atime and ctime.</summary>
    private const string IllumosMeta = LinkTarget + """
        meta() {
          ls -dilnsE "$1" | { read -r i b m l u g s d t z rest; printf '%s %s %s %s %s %s %s %s %s %s ' "$i" "$b" "$m" "$l" "$u" "$g" "$s" "$d" "$t" "$z"; }
          ls -dnuE "$1" | { read -r m l u g s d t z rest; printf '%s %s %s ' "$d" "$t" "$z"; }
          ls -dncE "$1" | { read -r m l u g s d t z rest; printf '%s %s %s' "$d" "$t" "$z"; }
          printf '\0'; lt "$1"
        }

        """;

    private static string Meta(PosixUserland u) => u switch
    {
        PosixUserland.Gnu => GnuMeta,
        PosixUserland.FreeBsd => FreeBsdMeta,
        _ => IllumosMeta,
    };

    private static string[] Sh(string script, string root, string relative, params string[] args) =>
        ["sh", "-c", script, "sh", root, relative, .. args];

    private static string Script(PosixUserland u, string body) => Meta(u) + Prelude + body;

    /// <summary>The record of one entry (exit 70 when it does not exist).</summary>
    public static string[] Stat(PosixUserland u, string root, string relative) =>
        Sh(Script(u, """
            exists "$p" || exit 70
            emit "$p" "${p##*/}"
            """), root, relative);

    /// <summary>The records of a directory's entries (GNU: one find; elsewhere one meta per entry of a glob).</summary>
    public static string[] List(PosixUserland u, string root, string relative) =>
        Sh(Script(u, """
            exists "$p" || exit 70
            if [ -h "$p" ] || [ ! -d "$p" ]; then exit 71; fi

            """ + (u == PosixUserland.Gnu
                ? "exec find \"$p\" -mindepth 1 -maxdepth 1 -printf '%f\\0" + GnuFields + "\\0%l\\0'\n"
                : """
                  for f in "$p"/* "$p"/.[!.]* "$p"/..?*; do
                    if exists "$f"; then emit "$f" "${f##*/}"; fi
                  done

                  """)), root, relative);

    /// <summary>mkdir (with <paramref name="parents"/>, each missing component), then the new directory's record.</summary>
    public static string[] MakeDirectory(PosixUserland u, string root, string relative, bool parents) =>
        Sh(Script(u, """
            if [ "$1" = p ]; then
              q=$r; x=$rel
              while [ -n "$x" ]; do
                case $x in */*) c=${x%%/*}; x=${x#*/} ;; *) c=$x; x= ;; esac
                q=$q/$c
                if exists "$q"; then
                  [ -n "$x" ] || exit 72
                  if [ -h "$q" ]; then exit 76; fi
                  [ -d "$q" ] || exit 71
                else
                  mkdir "$q" || exit 1
                fi
              done
            else
              parent
              if exists "$p"; then exit 72; fi
              mkdir "$p" || exit 1
            fi
            emit "$p" "${p##*/}"
            """), root, relative, parents ? "p" : "");

    /// <summary>ln -s, then the link's record.</summary>
    public static string[] Symlink(PosixUserland u, string root, string relative, string target) =>
        Sh(Script(u, """
            parent
            if exists "$p"; then exit 72; fi
            ln -s -- "$1" "$p" || exit 1
            emit "$p" "${p##*/}"
            """), root, relative, target);

    /// <summary>The modes of <c>OpenWrite</c>: what happens when the file exists or is missing.</summary>
    public static string WriteModeWord(FileMode mode) => mode switch
    {
        FileMode.CreateNew => "new",
        FileMode.Create => "create",
        FileMode.Open => "open",
        FileMode.OpenOrCreate => "openorcreate",
        FileMode.Truncate => "truncate",
        FileMode.Append => "append",
        _ => throw IllumosException.Invalid("FileModeInvalid", $"'{mode}' is not a file mode.", mode),
    };

    /// <summary>Creates or truncates a file as <paramref name="mode"/> asks (refusing what is not a regular file), then prints its record.</summary>
    public static string[] PrepareWrite(PosixUserland u, string root, string relative, FileMode mode) =>
        Sh(Script(u, """
            if exists "$p"; then
              if [ -h "$p" ] || [ ! -f "$p" ]; then exit 73; fi
              [ "$1" = new ] && exit 72
              case $1 in create|truncate) : > "$p" || exit 1 ;; esac
            else
              case $1 in open|truncate) exit 70 ;; esac
              parent
              (set -C; : > "$p") || exit 1
            fi
            emit "$p" "${p##*/}"
            """), root, relative, WriteModeWord(mode));

    private const string RegularFile = """
        if [ -h "$p" ]; then exit 73; fi
        if [ ! -f "$p" ]; then if exists "$p"; then exit 73; fi; exit 70; fi

        """;

    /// <summary>
    /// Streams a regular file from block <paramref name="skipBlocks"/> of <paramref name="blockSize"/> bytes,
    /// <paramref name="count"/> blocks or to its end (<c>dd if= bs= skip= [count=]</c>, which every dd has).
    /// </summary>
    public static string[] ReadFile(PosixUserland u, string root, string relative, long blockSize, long skipBlocks, long? count) =>
        Sh(Script(u, RegularFile + """
            if [ -n "$3" ]; then exec dd if="$p" bs="$1" skip="$2" count="$3"; fi
            exec dd if="$p" bs="$1" skip="$2"
            """), root, relative, Num(blockSize), Num(skipBlocks), count is { } c ? Num(c) : "");

    /// <summary>
    /// Writes stdin into a regular file at block <paramref name="seekBlocks"/> of <paramref name="blockSize"/>
    /// bytes, without truncating (<c>dd of= obs= seek= ibs= conv=notrunc</c>; ibs differs from obs so short
    /// reads from the pipe are gathered into whole output blocks, and no count is given so nothing is lost).
    /// </summary>
    public static string[] WriteFile(PosixUserland u, string root, string relative, long blockSize, long seekBlocks) =>
        Sh(Script(u, RegularFile + """
            exec dd of="$p" obs="$1" seek="$2" ibs="$3" conv=notrunc
            """), root, relative, Num(blockSize), Num(seekBlocks), Num(OtherBlockSize(blockSize)));

    /// <summary>Appends stdin to a regular file (<c>cat &gt;&gt;</c>): writes at the end need no block alignment.</summary>
    public static string[] AppendFile(PosixUserland u, string root, string relative) =>
        Sh(Script(u, RegularFile + """
            exec cat >> "$p"
            """), root, relative);

    /// <summary>Sets a regular file's length (<c>dd if=/dev/null of= bs=1 seek=N count=0</c>: POSIX dd truncates or extends the output at the seek point).</summary>
    public static string[] Truncate(PosixUserland u, string root, string relative, ulong length) =>
        Sh(Script(u, RegularFile + """
            exec dd if=/dev/null of="$p" bs=1 seek="$1" count=0
            """), root, relative, length.ToString(CultureInfo.InvariantCulture));

    /// <summary>Removes a file, a symlink, an empty directory, or with <paramref name="recursive"/> a whole tree (rm -rf).</summary>
    public static string[] Delete(PosixUserland u, string root, string relative, bool recursive) =>
        Sh(Script(u, """
            parent
            exists "$p" || exit 70
            if [ -d "$p" ] && [ ! -h "$p" ]; then
              if [ "$1" = r ]; then exec rm -rf -- "$p"; fi
              empty "$p" || exit 74
              exec rmdir -- "$p"
            fi
            exec rm -f -- "$p"
            """), root, relative, recursive ? "r" : "");

    /// <summary>
    /// rename(2) semantics with mv: a file replaces a file, a directory replaces an empty directory
    /// (removed first: mv would move into it), a symlink at the destination is removed first (mv would follow it).
    /// </summary>
    public static string[] Move(PosixUserland u, string root, string relative, string newRelative) =>
        Sh(Script(u, """
            nolinks "$1"
            q=$r/$1
            parent
            d=${q%/*}
            exists "$d" || exit 75
            [ -d "$d" ] || exit 71
            exists "$p" || exit 70
            [ "$p" = "$q" ] && exit 0
            if [ -d "$p" ] && [ ! -h "$p" ]; then dir=1; else dir=; fi
            if [ -h "$q" ]; then
              [ -z "$dir" ] || exit 72
              rm -f -- "$q" || exit 1
            elif [ -d "$q" ]; then
              [ -n "$dir" ] || exit 72
              empty "$q" || exit 72
              rmdir -- "$q" || exit 1
            elif exists "$q"; then
              [ -z "$dir" ] || exit 72
            fi
            exec mv -f -- "$p" "$q"
            """), root, relative, newRelative);

    /// <summary>
    /// chmod, chown, chgrp, <c>touch -c -a|-m -d YYYY-MM-DDThh:mm:ss.fffffffffZ</c> (POSIX touch -d); an empty
    /// argument leaves that attribute alone. The owner changes first: chown clears the setuid and setgid bits, so chmod comes after it. Symlinks are refused (chmod and touch would follow them).
    /// </summary>
    public static string[] SetAttributes(PosixUserland u, string root, string relative, int? mode, int? uid, int? gid, DateTimeOffset? accessTime, DateTimeOffset? modifyTime) =>
        Sh(Script(u, """
            exists "$p" || exit 70
            if [ -h "$p" ]; then exit 77; fi
            if [ -n "$2" ]; then chown "$2" "$p" || exit 1; fi
            if [ -n "$3" ]; then chgrp "$3" "$p" || exit 1; fi
            if [ -n "$1" ]; then chmod "$1" "$p" || exit 1; fi
            if [ -n "$4" ]; then touch -c -a -d "$4" "$p" || exit 1; fi
            if [ -n "$5" ]; then touch -c -m -d "$5" "$p" || exit 1; fi
            exit 0
            """), root, relative,
            mode is { } m ? Convert.ToString(m, 8) : "",
            uid is { } x ? Num(x) : "",
            gid is { } g ? Num(g) : "",
            accessTime is { } a ? TouchTime(a) : "",
            modifyTime is { } t ? TouchTime(t) : "");

    /// <summary>POSIX touch -d form in UTC with nanoseconds: 2024-01-02T03:04:05.123456700Z.</summary>
    public static string TouchTime(DateTimeOffset t)
    {
        var u = t.ToUniversalTime();
        long fractionTicks = u.Ticks % TimeSpan.TicksPerSecond;
        return u.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + (fractionTicks * 100).ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }

    // ---------------------------------------------------------------- volumes

    /// <summary><c>dd if=DEVICE bs= skip|iseek= count=</c> (illumos: iseek seeks where skip may read and discard).</summary>
    public static string[] ReadDevice(PosixUserland u, string device, long blockSize, long skipBlocks, long count) =>
        ["dd", "if=" + device, "bs=" + Num(blockSize), (u == PosixUserland.Illumos ? "iseek=" : "skip=") + Num(skipBlocks), "count=" + Num(count)];

    /// <summary><c>dd of=DEVICE obs= seek|oseek= ibs= conv=notrunc</c> fed from stdin (whole output blocks: see <see cref="WriteFile"/>).</summary>
    public static string[] WriteDevice(PosixUserland u, string device, long blockSize, long seekBlocks) =>
        ["dd", "of=" + device, "obs=" + Num(blockSize), (u == PosixUserland.Illumos ? "oseek=" : "seek=") + Num(seekBlocks), "ibs=" + Num(OtherBlockSize(blockSize)), "conv=notrunc"];

    /// <summary>The largest power of two up to <paramref name="max"/> that divides every value (1 when one is odd).</summary>
    public static long BlockSizeFor(long max, params long[] values)
    {
        long bs = max;
        while (bs > 1 && values.Any(v => v % bs != 0)) bs >>= 1;
        return bs;
    }

    private static long OtherBlockSize(long obs) => obs == 65536 ? 131072 : 65536;

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
}
