"""Rules about the dataset as a whole: size, consistency, duplicates, token limits."""

from ._base import ERROR, INFO, SAFE, UNSAFE, WARNING, rule


@rule("FT201", "too-few-examples", ERROR, "fewer than 10 (error), fewer than 100 (warning)",
      severity_label="error/warning")
class TooFewExamples:
    """The file has fewer than 10 examples (error: OpenAI rejects it) or fewer
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


@rule("FT205", "format-not-trainable", ERROR,
      "the file's data format is one the target model cannot be fine-tuned on (e.g. prompt/completion for gpt-4o-mini)")
class FormatNotTrainable:
    """The file's format is not one the target model (`--model`) trains on:
    prompt/completion data for a chat model, chat data for the legacy
    `babbage-002`/`davinci-002`, preference (DPO) data for a model offered for
    supervised fine-tuning only, or reinforcement prompts for a model without RFT.
    The formats come from the model's price-table row (`data_formats` and
    `methods`), or the linter's built-in table for known OpenAI models.

    ## Why is this bad?
    The provider rejects the file or the job after upload: the lint, the budget
    approval and the submission would all pass for a job that cannot run.
    `ftpreflight approve` and `ftpreflight submit` refuse while this error stands.

    ## Example
    ```
    ftpreflight lint tickets.jsonl --model gpt-4o-mini
    {"prompt": "Ticket: my boots leak ->", "completion": " defect END"}
    ```

    ## Fix
    Convert the records to the model's format
    (`{"messages": [{"role": "user", "content": "Ticket: my boots leak"}, {"role": "assistant", "content": "defect"}]}`),
    or choose a model that trains on the file's format (`--model davinci-002` for prompt/completion).
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
      fixable=SAFE)
class DuplicateExample:
    """An example is identical to an earlier one once whitespace is normalised
    (runs of spaces, tabs and newlines collapsed, ends trimmed). Only examples
    count: lines in no known format (FT103) are left alone, since in a file of
    bare message objects the repeated lines are turns of different conversations.

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


@rule("FT204", "split-leakage", ERROR,
      "an example of the validation file (`--validation PATH`) also appears, exactly or nearly, in the training file")
class SplitLeakage:
    """An example of the validation file is the same as, or nearly the same as
    (near-duplicate similarity at or above `near_duplicate_threshold`), an example
    of the training file. `related_lines` names the training line.

    ## Why is this bad?
    Validation loss on examples the model trained on looks better than the model
    is: you stop too late, or ship an overfitted model believing it generalises.

    ## Example
    ```
    train.jsonl line 12:  {"messages": [{"role": "user", "content": "Where is order 1042?"}, ...]}
    valid.jsonl line 3:   {"messages": [{"role": "user", "content": "Where is order 1042 ?"}, ...]}
    ```

    ## Fix
    Remove the example from one of the files, or split again without leakage:
    `ftpreflight fix train.jsonl -o clean.jsonl --split-validation 0.1 --seed 1`.
    """


@rule("FT302", "near-duplicate", WARNING,
      "an example is nearly the same as an earlier one (MinHash/LSH over word shingles, Jaccard >= 0.8 by "
      "default, configurable); `related_lines` names the earlier line", fixable=UNSAFE)
class NearDuplicate:
    """An example is nearly the same as an earlier one: the Jaccard similarity of
    their word shingles, estimated with MinHash and found with locality-sensitive
    hashing, is at least `near_duplicate_threshold` (0.8). Text every example
    shares, such as the system prompt, is left out of the comparison.

    ## Why is this bad?
    Near-copies (the same ticket exported twice with a new greeting, templated
    answers) are billed every epoch and teach the model one phrasing too hard.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "My order 1042 has not arrived yet, can you check?"}, {"role": "assistant", "content": "I have checked: it arrives Friday."}]}
    {"messages": [{"role": "user", "content": "My order 1042 has not arrived yet, could you check?"}, {"role": "assistant", "content": "I have checked: it arrives Friday."}]}
    ```

    ## Fix
    `ftpreflight fix --drop-near-duplicates` keeps the first of each group (unsafe fix:
    it removes data, so it needs the flag).
    """


@rule("FT303", "conflicting-targets", WARNING,
      "the same input (prompt, or messages up to the last assistant turn) has different targets on different lines")
class ConflictingTargets:
    """Two examples have the same input (the prompt, or every message before the
    last assistant turn, compared after whitespace normalisation) but different
    targets. `related_lines` names the first line with that input.

    ## Why is this bad?
    The model is trained towards two answers for one question: it learns neither,
    or picks one at random. Often a sign of stale answers left in an export.

    ## Example
    ```json
    {"messages": [{"role": "user", "content": "What is your return window?"}, {"role": "assistant", "content": "30 days."}]}
    {"messages": [{"role": "user", "content": "What is your return window?"}, {"role": "assistant", "content": "60 days."}]}
    ```

    ## Fix
    Keep the answer that is right today and drop the other.
    """
