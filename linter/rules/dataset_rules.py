"""Rules about the dataset as a whole: size, consistency, duplicates, token limits."""

from ._base import ERROR, INFO, WARNING, rule


@rule("FT201", "too-few-examples", ERROR, "fewer than 10 (error), fewer than 100 (warning)",
      severity_label="error/warning")
class TooFewExamples:
    """The file has fewer than 10 usable examples (error: OpenAI rejects it) or fewer
    than 100 (warning: too few to change the model's behaviour reliably).

    ## Why is this bad?
    You pay for a job that is refused, or that learns too little to notice.

    ## Example
    ```
    train.jsonl: 8 examples
    ```

    ## Fix
    Collect at least 50-100 good examples; OpenAI's guide suggests starting there.
    """


@rule("FT203", "inconsistent-system-prompt", INFO,
      "several different system prompts, or some examples without one")
class InconsistentSystemPrompt:
    """Examples use several different system prompts, or some have one and some
    do not.

    ## Why is this bad?
    Usually fine, but often an accident of merging exports. The model learns to
    behave as trained only when it gets the same system prompt at inference.

    ## Example
    ```json
    {"messages": [{"role": "system", "content": "You are Acme's support agent."}, ...]}
    {"messages": [{"role": "user", "content": "Hi"}, ...]}
    ```

    ## Fix
    Use the same system prompt in every example, and the same one in production.
    """


@rule("FT301", "duplicate-example", WARNING,
      "same example (after whitespace normalisation) as an earlier line; `related_lines` names the first",
      fixable=True)
class DuplicateExample:
    """An example is identical to an earlier one once whitespace is normalised
    (runs of spaces, tabs and newlines collapsed, ends trimmed).

    ## Why is this bad?
    Duplicates are billed again every epoch and over-weight what they say.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "Reset my password"}, {"role": "assistant", "content": "Sure."}]}
    {"messages": [{"role": "user", "content": "Reset  my password "}, {"role": "assistant", "content": "Sure."}]}
    ```

    ## Fix
    `ftpreflight fix` drops exact duplicates and keeps the first (safe fix).
    """


@rule("FT501", "example-too-long", WARNING,
      "an example exceeds the target model's training context and will be truncated")
class ExampleTooLong:
    """An example has more tokens than the target model's training context
    (65,536 for gpt-4o-mini-2024-07-18, for example).

    ## Why is this bad?
    The provider truncates it to the context length: the end of the conversation,
    usually the assistant answer you wanted to train on, is cut off, and you are
    still billed for the full context.

    ## Example
    ```
    line 812: 71,204 tokens > 65,536 (gpt-4o-mini-2024-07-18)
    ```

    ## Fix
    Shorten the example, split a long conversation into several examples, or drop it.
    """
