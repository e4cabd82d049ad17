"""Rules for the legacy prompt/completion format (babbage-002, davinci-002)."""

from ._base import ERROR, INFO, UNSAFE, WARNING, rule


@rule("FT401", "missing-prompt-separator", WARNING,
      "completion format: prompts do not all end with the same separator", fixable=UNSAFE)
class MissingPromptSeparator:
    """Prompts do not all end with the same fixed separator. ftpreflight infers the
    separator and names the prompts that lack it; when no separator is shared by at
    least 75% of the prompts, it reports that once for the file (no per-line noise)
    and suggests a separator that occurs nowhere in the data.

    A separator (like a stop sequence, FT403) is a delimiter: a marker such as
    `\\n\\n###\\n\\n`, ` ->`, `\\nEND`, ` END`, `###` or `\\n`, not the longest tail most
    prompts happen to share. It holds only whitespace, symbols, words in capitals,
    labels (`A:`, `Answer:`) and special tokens (`<|endoftext|>`); it never cuts a word
    in half (`D` of `END`, the end of an e-mail address) and never takes the question
    mark or full stop of the sentence before it (`?\\n\\n###\\n\\n`). The separator is
    the delimiter the most prompts end with, when at least 75% do (` ->` rather than
    ` USA ->` that only most prompts end with), together with the whitespace before it
    when 95% of those prompts have it (`\\nEND`, not `END`). A delimiter of only
    whitespace gives way to a visible one shared by 75%: `\\n\\n###\\n\\n` rather than
    `\\n`, so a truncated `\\n\\n###\\n` is reported. Personal data and secrets are
    never taken for a delimiter, and messages mask them.

    ## Why is this bad?
    A base model needs a fixed marker to know where the prompt ends and the answer
    begins; without it, it continues the prompt instead of answering.

    ## Example
    ```json
    {"prompt": "Summarise: the meeting moved to Monday\\n\\n###\\n\\n", "completion": " Meeting moved.\\n"}
    {"prompt": "Summarise: invoices are due Friday", "completion": " Invoices due Friday.\\n"}
    ```

    ## Fix
    ```json
    {"prompt": "Summarise: invoices are due Friday\\n\\n###\\n\\n", "completion": " Invoices due Friday.\\n"}
    ```
    `ftpreflight fix --unsafe-fixes FT401` appends it (unsafe fix: it changes the
    training text, so it needs the opt-in).
    """


@rule("FT402", "separator-inside-prompt", WARNING, "the separator also appears inside a prompt")
class SeparatorInsidePrompt:
    """The prompt separator also occurs inside a prompt, not only at its end.

    ## Why is this bad?
    At inference the model sees the separator early and starts answering mid-prompt.

    ## Example
    ```json
    {"prompt": "Q: a -> b? ->", "completion": " yes\\n"}
    ```

    ## Fix
    Choose a separator that never occurs in the text, such as `\\n\\n###\\n\\n`.
    """


@rule("FT403", "missing-stop-sequence", WARNING,
      "completions do not all end with the same stop sequence", fixable=UNSAFE)
class MissingStopSequence:
    """Completions do not all end with the same stop sequence. ftpreflight infers the
    stop sequence the way it infers the separator (FT401: the delimiter, such as `\\nEND`
    or ` END`, that the most completions end with, when at least 75% do; never `.\\nEND`,
    which takes the full stop of the answer's last sentence) and names the completions
    that lack it. When no stop sequence is shared, it reports that once for the file and
    suggests one that occurs nowhere in the data, prompts included.

    Classification files need no stop sequence and get no finding: when every
    completion is a short label (at most 3 words) and there are few distinct labels
    (at least 3 examples per label on average), you call the model with `max_tokens`
    set to the label's length (usually 1), so nothing needs to stop generation.

    ## Why is this bad?
    Without a learnt stop sequence the model rambles on until the token limit,
    and you pay for every extra token.

    ## Example
    ```json
    {"prompt": "Summarise: the meeting moved to Monday ->", "completion": " Meeting moved.\\nEND"}
    {"prompt": "Summarise: invoices are due Friday ->", "completion": " Invoices due Friday."}
    ```

    ## Fix
    ```json
    {"prompt": "Summarise: invoices are due Friday ->", "completion": " Invoices due Friday.\\nEND"}
    ```
    `ftpreflight fix --unsafe-fixes FT403` appends it (unsafe fix: it changes the
    training text, so it needs the opt-in).
    """


@rule("FT404", "stop-inside-completion", WARNING, "the stop sequence also appears inside a completion")
class StopInsideCompletion:
    """The stop sequence occurs inside a completion, not only at its end.

    ## Why is this bad?
    Generation stops at the first occurrence, so the rest of the answer is lost.

    ## Example
    ```json
    {"prompt": "List two fruits ->", "completion": " apple\\npear\\n"}
    ```

    ## Fix
    Use a stop sequence that cannot occur in answers, such as ` END` or `\\n###`.
    """


@rule("FT408", "stop-inside-prompt", WARNING, "the stop sequence also appears inside prompts")
class StopInsidePrompt:
    """The inferred stop sequence (FT403) also occurs inside prompts. Reported once for
    the file, with how many prompts hold it and the first lines.

    ## Why is this bad?
    The model is trained on text in which the stop sequence comes before the answer,
    so it learns to write it early; at inference the API stops at the first one and
    returns a cut-off or empty answer.

    ## Example
    ```json
    {"prompt": "q: when do you open?\\n a: END", "completion": " At nine. END"}
    ```

    ## Fix
    Remove the stop sequence from the prompts, or choose one that occurs in no prompt:
    ```json
    {"prompt": "q: when do you open?\\n a:", "completion": " At nine. END"}
    ```
    """


@rule("FT405", "completion-without-leading-space", WARNING, "a completion does not start with a space",
      fixable=UNSAFE)
class CompletionWithoutLeadingSpace:
    """A completion does not start with a whitespace character.

    ## Why is this bad?
    The tokenizers put the space in front of a word into the word's token; without
    it, the model learns odd token boundaries and answers worse.

    ## Example
    ```json
    {"prompt": "Capital of France ->", "completion": "Paris\\n"}
    ```

    ## Fix
    ```json
    {"prompt": "Capital of France ->", "completion": " Paris\\n"}
    ```
    `ftpreflight fix --unsafe-fixes FT405` adds the space (unsafe fix: it changes the
    training text, so it needs the opt-in).
    """


@rule("FT406", "common-prompt-prefix", INFO, "all prompts share a long instruction prefix")
class CommonPromptPrefix:
    """Every prompt starts with the same long text (an instruction block of at least
    `common_prefix_min_chars` characters).

    ## Why is this bad?
    You pay for the same instruction in every example and every epoch; a
    fine-tuned model learns the task without it.

    ## Example
    ```json
    {"prompt": "You are a helpful assistant that classifies tickets. Reply with one label...\\nTicket: printer jam ->", "completion": " hardware\\n"}
    ```

    ## Fix
    ```json
    {"prompt": "Ticket: printer jam ->", "completion": " hardware\\n"}
    ```
    """


@rule("FT407", "empty-prompt-or-completion", ERROR, "empty prompt or completion")
class EmptyPromptOrCompletion:
    """A prompt or completion is empty or only whitespace.

    ## Why is this bad?
    An empty completion teaches the model to stop immediately; an empty prompt
    teaches it to produce the answer unprompted.

    ## Example
    ```json
    {"prompt": "Capital of France ->", "completion": ""}
    ```

    ## Fix
    ```json
    {"prompt": "Capital of France ->", "completion": " Paris\\n"}
    ```
    """
