"""Rules about the file as bytes: readability, encoding, size."""

from ._base import ERROR, SAFE, rule


@rule("FT100", "unreadable-file", ERROR, "file missing, unreadable, or not text")
class UnreadableFile:
    """The file cannot be read as a text file: it does not exist, is a directory,
    cannot be opened, or is binary (an archive, an image, a spreadsheet). Also: it is not
    a regular file (a named pipe, a device, a `/proc` file that reports a size of 0), or it
    was deleted, truncated or rewritten while it was being linted.

    ## Why is this bad?
    Nothing in it can be checked, and the provider will reject the upload.

    ## Example
    ```
    $ ftpreflight lint data.jsonl.gz
    data.jsonl.gz: FT100 file looks binary (gzip archive), not JSON Lines
    ```

    ## Fix
    Point ftpreflight at the uncompressed `.jsonl` file, one JSON object per line. Save
    streamed data (`<(zcat data.gz)`) to a file first; lint a file again once whatever was
    writing it has finished.
    """


@rule("FT114", "text-encoding", ERROR, "BOM or invalid UTF-8 (error); blank lines, CRLF, NUL (warning)",
      fixable=SAFE, severity_label="error/warning")
class TextEncoding:
    """The bytes of a line are not clean UTF-8 JSON Lines. A byte-order mark at the
    start of the file or bytes that are not valid UTF-8 are errors; blank lines,
    Windows line endings (CRLF) and NUL characters are warnings.

    ## Why is this bad?
    Providers parse the upload as UTF-8 JSON Lines: a BOM or an invalid byte makes
    the line unparseable, and blank lines or stray NULs are rejected by some
    validators or end up inside the training text.

    ## Example
    ```
    \\xef\\xbb\\xbf{"messages": [...]}\\r\\n
    \\r\\n
    ```

    ## Fix
    `ftpreflight fix` strips the BOM, normalises CRLF to LF and drops blank lines
    (safe fixes). Re-export the data as UTF-8 to fix invalid bytes.
    """


@rule("FT202", "file-too-large", ERROR, "larger than the provider's upload limit (512 MB for OpenAI)")
class FileTooLarge:
    """The file is larger than the provider accepts in one upload
    (`upload_limit_bytes`, 512 MB for OpenAI by default).

    ## Why is this bad?
    The upload is refused after you have waited for it.

    ## Example
    ```
    train.jsonl  (640 MB)
    ```

    ## Fix
    Deduplicate (`ftpreflight fix --drop-near-duplicates`), drop overlong examples,
    or sample the dataset down below the limit.
    """
