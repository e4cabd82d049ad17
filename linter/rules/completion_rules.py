"""Rules for the legacy prompt/completion format (babbage-002, davinci-002)."""

from ._base import ERROR, INFO, UNSAFE, WARNING, rule


@rule("FT401", "missing-prompt-separator", WARNING,
      "completion format: prompts do not all end with the same separator", fixable=UNSAFE)
class MissingPromptSeparator:
    """Prompts do not all end with the same fixed separator. ftpreflight infers the
    separator most prompts end with and names the lines that lack it; when no
    separator is shared, it suggests one that never occurs in the data.

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
    stop most completions end with and names the lines that lack it; when none is
    shared, it suggests one that never occurs in the data.

    ## Why is this bad?
    Without a learnt stop sequence the model rambles on until the token limit,
    and you pay for every extra token.

    ## Example
    ```json
    {"prompt": "2+2 ->", "completion": " 4\\n"}
    {"prompt": "3+3 ->", "completion": " 6"}
    ```

    ## Fix
    ```json
    {"prompt": "3+3 ->", "completion": " 6\\n"}
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
