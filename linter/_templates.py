"""Chat framing: the tokens each model family's chat template adds around message text.

A template renders a conversation as text and special tokens; billing counts both. Each
family's framing is a per-conversation constant plus, per message, fixed tokens and the
tokens of the role label the template writes. The sources are the templates published
with each model's tokenizer:

- ``openai``: OpenAI's counting recipe ("How to count tokens with tiktoken",
  openai-cookbook): 3 per message plus the role, 3 to prime the reply.
- ``harmony`` (gpt-oss): ``openai-harmony``'s ``render_conversation_for_training``:
  ``<|start|>{role}<|message|>{text}<|end|>``; an assistant turn is
  ``<|start|>assistant<|channel|>final<|message|>{text}<|end|>`` (``<|return|>`` for the
  last one, also one token). Nothing before the first message.
- ``llama3`` (Llama 3.0-3.3): Meta's ``llama-models`` ``ChatFormat.encode_message``:
  ``<|begin_of_text|>`` once, then ``<|start_header_id|>{role}<|end_header_id|>`` + ``"\\n\\n"``
  + text + ``<|eot_id|>``, each piece tokenized on its own; a tool result's role is written
  ``ipython``.
- ``llama4`` (Llama 4 Scout, Maverick): ``llama-models``' ``llama4/chat_format.py``
  ``encode_message``: the same shape with other special tokens, ``<|begin_of_text|>`` once,
  then ``<|header_start|>{role}<|header_end|>`` + ``"\\n\\n"`` + text + ``<|eot|>`` (``<|eom|>``
  after a tool result or a tool call, also one token); a tool result's role is ``ipython``.
- ``chatml`` (Qwen2.5, Qwen3): the ``chat_template`` of Qwen's ``tokenizer_config.json``:
  ``<|im_start|>{role}\\n{text}<|im_end|>\\n``, rendered and then tokenized as one string,
  so the ``"\\n"`` after the role merges with text that starts with a line break
  (:meth:`linter.TokenCounter.count_content` counts that exactly).
- ``mistral-v3`` (tekken: Mistral Nemo, Ministral 8B, Mistral Small 2409, Pixtral 12B):
  ``mistral-common``'s ``InstructTokenizerV3``: ``<s>`` once, ``[INST]{user}[/INST]`` and
  ``{assistant}</s>``, each text tokenized on its own; the system prompt is joined to the
  last user turn as ``system + "\\n\\n" + user`` (counted exactly unless that user turn starts
  with a line break or ``/``, which can merge across the join: then one token off), and trailing spaces are stripped from an assistant's text.
- ``none`` (``gemini-estimate``): no framing; Google publishes no tokenizer to count it with.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChatTemplate:
    name: str
    per_conversation: int
    """Tokens once per example (beginning-of-text, or OpenAI's reply priming)."""
    per_message: int
    """Special and fixed tokens around every message's text, besides the role label."""
    per_role: dict[str, int] = field(default_factory=dict)
    """Overrides of ``per_message`` by role."""
    role_labels: dict[str, str | None] | None = None
    """The text a template writes for a role (``None``: the role is not written); a role
    not listed is written as itself. ``None`` for the whole mapping: every role as itself."""
    content_prefix: str = ""
    """Text rendered right before a message's text and tokenized with it (ChatML's ``"\\n"``);
    its tokens are part of ``per_message``."""
    system_suffix: str = ""
    """Text joining the system prompt to the following text (Mistral's ``"\\n\\n"``);
    counted with the system prompt."""
    per_name: int | None = None
    """Tokens around a message's ``name`` besides the name itself; ``None``: the template
    does not write names, so they cost nothing."""
    assistant_rstrip: str = ""
    """Characters the template strips from the end of an assistant's text (Mistral: spaces)."""
    system_roles: frozenset[str] = frozenset({"system", "developer"})

    def role_label(self, role: str) -> str | None:
        if self.role_labels is None:
            return role
        return self.role_labels.get(role, role)


OPENAI = ChatTemplate("openai", per_conversation=3, per_message=3, per_name=1)
HARMONY = ChatTemplate("harmony", per_conversation=0, per_message=3, per_role={"assistant": 5})
"""``<|start|>`` ``<|message|>`` ``<|end|>``; an assistant turn adds ``<|channel|>`` and ``final``."""
LLAMA3 = ChatTemplate("llama3", per_conversation=1, per_message=4, role_labels={"tool": "ipython"})
"""``<|start_header_id|>`` ``<|end_header_id|>`` ``"\\n\\n"`` ``<|eot_id|>``; once ``<|begin_of_text|>``."""
LLAMA4 = ChatTemplate("llama4", per_conversation=1, per_message=4, role_labels={"tool": "ipython"})
"""``<|header_start|>`` ``<|header_end|>`` ``"\\n\\n"`` ``<|eot|>``; once ``<|begin_of_text|>``."""
CHATML = ChatTemplate("chatml", per_conversation=0, per_message=4, content_prefix="\n")
"""``<|im_start|>`` ``"\\n"`` ``<|im_end|>`` ``"\\n"``."""
MISTRAL_V3 = ChatTemplate("mistral-v3", per_conversation=1, per_message=0,
                          per_role={"user": 2, "assistant": 1, "tool": 2},
                          role_labels={"system": None, "developer": None, "user": None, "assistant": None,
                                       "tool": None, "function": None},
                          system_suffix="\n\n", assistant_rstrip=" ")
"""``[INST]`` ``[/INST]`` around a user turn, ``</s>`` after an assistant turn, ``[TOOL_RESULTS]``
``[/TOOL_RESULTS]`` around a tool result, ``<s>`` once."""
NO_FRAMING = ChatTemplate("none", per_conversation=0, per_message=0,
                          role_labels={"system": None, "developer": None, "user": None, "assistant": None,
                                       "tool": None, "function": None})
