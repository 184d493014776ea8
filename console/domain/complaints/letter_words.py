"""The phrases that say which complaint communication an agent's message is (FCA DISP 1.5/1.6, CFPB):
a summary resolution communication (SRC), a holding reply, or a final response. Kept here as data, so a
bank can review every cue; console.domain.complaints.letters applies them.

Each entry is a case-insensitive regular expression. A message is the first kind, in the order FINAL,
HOLDING, SRC, that one of its cues matches outside a NOT_YET phrase: "we'll send our final response by
May" announces a final response, it is not one (such a message is usually a holding reply).
"""

from __future__ import annotations

SRC = "summary_resolution"
HOLDING = "holding"
FINAL = "final_response"
KINDS = (SRC, HOLDING, FINAL)
KIND_WORDS = {
    SRC: "Summary resolution communication",
    HOLDING: "Holding reply",
    FINAL: "Final response",
}

# Cues that the message is the final response itself.
FINAL_CUES = (r"\bfinal (?:response|reply|decision|position|answer)\b",)

# Cues that the complaint is resolved and the customer is told so (the SRC of DISP 1.5.4).
SRC_CUES = (
    r"\bsummary resolution\b",
    r"\b(?:resolved|sorted|closed) your complaint\b",
    r"\bresolve your complaint\b",
    r"\bcomplaint (?:(?:is|was|has|to be|as) )?(?:now )?(?:been )?(?:resolved|closed)\b",
)

# Cues that the complaint is not resolved yet and the customer is told why and when (a holding reply).
HOLDING_CUES = (
    r"\b(?:need|needs|require|requires) (?:a (?:little |bit )?)?(?:more|additional|further|extra) time"
    r"(?: to (?:investigate|look|review|finish|complete|resolve|consider|respond|deal|reach|get)\b"
    r"|[.;,]| and|$)",
    r"\b(?:need|needs|require|requires) longer\b",
    r"\b(?:haven'?t|have not) (?:yet )?(?:been able to )?(?:resolve|resolved|complete|completed|finish"
    r"|finished|reached)\b",
    r"\b(?:not|n't) (?:yet )?been able to (?:resolve|complete|finish)\b",
    r"\b(?:not|n't) (?:yet )?(?:able|in a position) to (?:resolve|give|answer)\b",
    r"\bunable to resolve\b",
    r"\bcan'?t resolve\b",
    r"\bstill (?:looking into|investigating|working on|being investigated|reviewing|open)\b",
    r"\binvestigation (?:is )?(?:ongoing|continuing|taking longer)\b",
    r"\btaking longer than\b",
    r"\bholding (?:reply|response|letter)\b",
    r"\bexplain(?:s|ing)? (?:the|this) delay\b",
    r"\bdelays? (?:in|with|on) (?:dealing with |handling |resolving )?your complaint\b",
    r"\bescalated your complaint\b",
    r"\bpassed to our specialist\b",
    r"\byour complaint is being investigated\b",
)

# A final response announced, not given: the FINAL cues inside these do not count.
NOT_YET = (
    r"\b(?:will|'ll|shall|expect to|aim to|hope to|intend to|plan to|able to|before we can) (?:send|issue"
    r"|give|provide|get)\w* (?:you )?(?:with )?(?:our|a|the|your) final (?:response|reply|decision|answer)\b",
    r"\bfinal (?:response|reply|answer|decision) (?:by|within|no later|as soon)\b",
)

# A message that is none of them though it names a cue: the cues inside these do not count.
NOT_A_LETTER = (
    r"\bfinal (?:payment|instalment|step|bill|statement|demand)\b",
    r"\bfind out more about the financial ombudsman\b",
    r"\bmake a complaint\b",
    r"\blogged your complaint\b",
)
