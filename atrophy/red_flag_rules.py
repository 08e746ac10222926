"""Pattern data for the stroke red-flag detector (`atrophy.red_flags`), kept apart from the logic.

Sources: the BE-FAST / FAST signs and "other sudden signs" in shared/content/atrophy-facts.md, and the
seed page's "seek immediate care" list (sudden weakness with a change in vision, loss of consciousness,
paralysis or inability to move a body part).

Patterns are written in a tiny token language compiled by `atrophy.red_flags.compile_pattern`; every
token is matched on its normalised form (lower case, contractions split, typos corrected):

    word        that exact word                 a|b|c     any of these words
    @CLASS      any word of WORDS[CLASS]        <PHRASE>  any word sequence of PHRASES[PHRASE]
    #           a number ("10", "two")          ~         one optional filler word (not a negation,
    x?          makes the element optional                 not a clause break)
    $           (last) the match must end its clause, so "can't talk" is not "can't talk to my boss"
"""
from __future__ import annotations

from typing import NamedTuple

ARM = ["arm", "arms", "hand", "hands", "wrist", "wrists", "finger", "fingers", "thumb", "thumbs", "shoulder",
       "shoulders", "elbow", "elbows", "forearm", "forearms", "grip"]
LEG = ["leg", "legs", "foot", "feet", "ankle", "ankles", "knee", "knees", "toe", "toes", "hip", "hips", "thigh",
       "thighs", "calf", "calves"]
FACE = ["face", "mouth", "lip", "lips", "cheek", "cheeks", "smile", "eyelid", "eyelids", "eye", "eyes", "jaw",
        "tongue", "chin"]
TRUNK = ["side", "body", "half", "limb", "limbs"]
KIN = ["dad", "father", "daddy", "papa", "pops", "mum", "mom", "mother", "mummy", "mommy", "mam", "mama", "wife",
       "husband", "partner", "son", "daughter", "grandma", "grandpa", "granny", "gran", "grandad", "granddad",
       "grandfather", "grandmother", "nan", "nana", "nanna", "brother", "sister", "aunt", "auntie", "uncle",
       "friend", "neighbour", "neighbor", "boss", "colleague", "coworker", "patient", "client", "child", "kid",
       "boyfriend", "girlfriend", "fiance", "fiancee", "family", "parent", "parents", "spouse", "flatmate",
       "roommate", "grandson", "granddaughter", "cousin", "nephew", "niece", "guy", "lady", "man", "woman"]

# Word classes, used as @NAME in patterns.
WORDS: dict[str, list[str]] = {
    "ARM": ARM,
    "LEG": LEG,
    "LIMB": ARM + LEG + TRUNK,
    "BODY": ARM + LEG + FACE + TRUNK,
    "FACE": FACE,
    "FACEORSIDE": FACE + ["side"],
    "PERSON": KIN + ["he", "she", "him", "her", "they", "them"],
    "DROOP": ["droop", "droops", "drooped", "drooping", "droopy", "droopey", "sag", "sags", "sagged", "sagging",
              "saggy", "lopsided", "crooked", "uneven", "asymmetric", "asymmetrical", "wonky", "slack", "dropped",
              "dropping", "fallen", "falling", "twisted", "hanging", "slanted", "lopsidded"],
    "DRIFT": ["drift", "drifts", "drifted", "drifting", "flop", "flops", "flopped", "flopping", "floppy",
              "dangling", "dangles", "dangle", "sinks", "sinking", "sank", "dropping", "drops", "dropped"],
    "WEAK": ["weak", "weaker", "weakness", "weakened", "numb", "numbness", "numbed", "limp", "heavy", "floppy",
             "lifeless", "dead", "useless"],
    "WEAKBARE": ["weak", "weakness", "numb", "numbness"],
    "PARALYSED": ["paralysed", "paralyzed", "paralysis", "paralyses", "hemiplegia", "hemiparesis", "hemiplegic"],
    "SLUR": ["slurred", "slurring", "slurry", "slurs", "slured", "sluring"],
    "SPEECH": ["speech", "words", "talking", "talk", "speaking", "voice", "sentences", "saying", "says",
               "speaks", "talks"],
    "JUMBLED": ["garbled", "jumbled", "muddled", "scrambled", "gibberish", "nonsense", "incoherent",
                "unintelligible", "mumbled", "confused", "backwards"],
    "SPEAKVERB": ["speak", "talk", "speaking", "talking", "pronounce", "answer", "reply", "respond", "answering",
                  "speech", "communicate", "communicating"],
    "VISION": ["vision", "eyesight", "sight", "eye", "eyes"],
    "VISBAD": ["blurry", "blurred", "blurring", "blur", "blurs", "fuzzy", "hazy", "cloudy", "dim", "dimmed",
               "darkened", "dark", "black", "blacked", "double", "doubled", "gone", "distorted", "weird",
               "strange", "funny", "patchy", "grey", "greyed", "gray", "grayed", "missing", "loss", "lost",
               "losing", "change", "changed", "changes", "changing", "blind", "blank", "wobbly", "shadowy",
               "disturbance", "disturbances"],
    "LOSE": ["lost", "lose", "losing", "loses", "loss"],
    "CHANGE": ["change", "changes", "changed", "sudden", "suddenly", "blurred", "blurry", "blurring", "double",
               "doubled", "fuzzy", "hazy", "lost", "loss", "losing", "dim", "dimmed", "distorted", "patchy",
               "partial", "tunnel"],
    "SEE": ["see", "sees", "seeing", "saw"],
    "FAINTED": ["fainted", "fainting", "faints", "swooned", "syncope"],
    "PASSED": ["passed", "passes", "passing", "blacked", "blacks", "blacking", "keeled", "conked", "zonked"],
    "UNCONSCIOUS": ["unconscious", "unrousable", "blackout", "blackouts", "senseless"],
    "COLLAPSED": ["collapsed", "collapses", "collapsing", "crumpled", "slumped"],
    "BALANCEBAD": ["staggering", "staggers", "staggered", "stumbling", "stumbles", "unsteady", "wobbly",
                   "veering", "swaying", "uncoordinated", "reeling", "lurching", "toppling"],
    "WALK": ["walk", "stand", "balance", "walking", "standing", "stay", "keep"],
    "WENT": ["went", "gone", "going", "goes", "turned", "became", "got", "go"],
    "CONFUSED": ["confused", "confusion", "disoriented", "disorientated", "bewildered", "delirious", "dazed"],
    "SEVERE": ["severe", "excruciating", "splitting", "crushing", "explosive", "exploding", "blinding",
               "agonising", "agonizing", "terrible", "awful", "intense", "horrible", "unbearable", "massive",
               "violent", "thunderclap", "sharp", "pounding", "huge", "extreme"],
    "HEADACHE": ["headache", "headaches", "migraine", "head"],
    "SWALLOW": ["swallow", "swallowing", "swallowed", "swallows"],
    "HEAD": ["head"],
}

# Word sequences, used as <NAME> in patterns (each alternative may be several words).
PHRASES: dict[str, list[str]] = {
    # Not able to: "can't", "couldn't", "unable to", "struggling to", "having trouble" ...
    "CANT": ["can|could|will|would not|barely|hardly", "can|could no longer",
             "unable|struggling|struggles|struggled|failed|fails|hard to", "not able to",
             "no longer able to", "can|could not seem to", "not seem able to", "without being able to",
             "trouble|difficulty|problems|problem", "having|had|has|have trouble|difficulty|problems"],
    # A body part that stops working.
    "NOTWORK": ["will|would|does|did|is|was|can not move|work|moving|working|respond|responding|cooperating",
                "not moving|working|responding|cooperating", "stopped|stops working|moving|responding",
                "went|gone limp", "will not do anything"],
    # A body part that goes numb or gives way.
    "WENTNUMB": ["went|gone|going|goes|turned|got numb|dead|weak", "gave|giving|gives out|way", "buckled",
                 "just went"],
}

# Words that a `~` filler never consumes: negations (so "face is not drooping" cannot match
# "face ... drooping") and clause breaks (so a pattern never spans two clauses).
NEGATIONS = ["not", "no", "never", "without", "nor", "neither", "none", "nothing", "nope", "nobody", "denies",
             "denied", "negative"]
CLAUSE_BREAKS = ["but", "however", "although", "though", "yet", "except", "whereas", "otherwise"]
SEGMENT_BREAKS = ["and", "or", "nor", "plus", "&", "/", ",", ":", "(", ")", "[", "]", "\"", "-", "because",
                  "cos", "since", "while", "which", "who", "when", "so"]
SENTENCE_ENDS = [".", "!", "?", ";", "...", "…", "!!", "??", "?!", "!?", "!!!", "???"]
FILLER_BLOCK = NEGATIONS + CLAUSE_BREAKS + SENTENCE_ENDS + [
    "and", "or", ",", ":", "if", "almost", "nearly", "because", "cos", "since", "while", "when", "which",
    "who", "so", "then", "after", "before", "until", "than"]

# A negation word followed by one of these is not a negation ("not sure if his face is drooping",
# "no longer able to", "I don't know why she's slurring", "can't believe").
PSEUDO_NEGATION_NEXT = ["sure", "certain", "know", "knew", "known", "idea", "longer", "only", "just", "doubt",
                        "matter", "wonder", "one", "understand", "realise", "realize", "realised", "realized",
                        "tell", "stop", "believe", "want", "mean", "remember", "care", "panic", "worry",
                        "joking", "kidding", "exaggerating", "wait", "explain", "figure", "get", "help", "quite",
                        "even", "reason", "way", "normal", "right", "usually", "always", "like", "look",
                        "looking", "looks", "seem", "seems", "feel"]
# Tokens allowed between two listed signs so that "no numbness, weakness or slurring" negates all three.
LIST_CONNECTORS = [",", "and", "or", "nor", "/", "any", "even", "a", "the", "&", "no", "also", "-", "either",
                   "some", "of", "signs", "sign", "symptoms", "problems", "issues", "new", "other"]
# After "and"/"," one of these starts a new clause: "I didn't faint and my face is drooping".
CLAUSE_STARTERS = ["i", "he", "she", "they", "we", "my", "his", "her", "their", "our", "it", "its", "now",
                   "then", "suddenly", "today", "tonight", "this", "that", "there", "also", "just",
                   "when", "after", "i'm", "he's", "she's", "it's"] + KIN

QUESTION_OPENERS = ["what", "whats", "what's", "how", "why", "which", "who", "when", "where", "can", "could",
                    "is", "are", "does", "do", "did", "should", "would", "will", "any", "may", "might", "am",
                    "shall", "explain", "define", "describe", "list"]
# An opener followed by one of these begins a report, not a question ("Can't move my arm", "Can barely talk").
NOT_QUESTION_NEXT = ["not", "barely", "hardly", "only", "no", "just", "suddenly", "now", "still"]

# A sign is anchored to a real person when its clause names one; my/our/their count only before one of
# ANCHOR_NOUNS ("my arm", "our mum"), so "in someone my age" does not anchor.
ANCHOR_WORDS = ["i", "me", "myself", "he", "him", "his", "himself", "she", "her", "hers", "herself", "we", "us",
                "ourselves", "im", "ive"] + KIN
ANCHOR_POSSESSIVES = ["my", "our", "their"]
ANCHOR_NOUNS = ARM + LEG + FACE + TRUNK + KIN + ["speech", "vision", "eyesight", "sight", "words", "balance",
                                                "head", "voice", "memory", "headache", "left", "right", "whole"]
GENERIC_WORDS = ["you", "your", "yours", "yourself", "someone", "somebody", "someones", "anyone", "anybody",
                 "people", "person", "persons", "others", "everyone", "everybody", "patients", "individual",
                 "victim", "victims", "sufferers", "adults", "elderly", "one's", "ones"]
# Conditional openers make a hypothetical ("what should I do if someone's face droops")...
CONDITIONALS = ["if", "suppose", "supposing", "whenever", "incase", "unless", "whether"]
# ...except after a verb of uncertainty, where "if" asks about a real observation ("not sure if her face
# is drooping").
UNCERTAIN_BEFORE_IF = ["sure", "certain", "know", "tell", "wonder", "wondering", "check", "see", "notice",
                       "think", "unsure", "clear", "ask", "asking", "judge", "decide", "worried", "confirm",
                       "idea", "doubt", "checking", "noticed", "saw"]

# The signs as sentence end words: a pattern ending in `$` must be followed by one of these or by the
# end of its clause ("he can't talk properly" but not "I can't talk to my boss").
END_OK = ["properly", "clearly", "right", "normally", "anymore", "suddenly", "now", "at", "either", "this",
          "for", "since", "very", "too", "today", "tonight", "again", "well", "straight",
          "or", "and", "but", "then", "after", "when", "so"]


# Benign explanations that also count when given in the next sentence ("My leg went numb. I'd been
# sitting on it."); the others must be in the sign's own clause ("my exercise plan" explains nothing).
BENIGN_NEXT_SENTENCE = ("posture", "dental", "eyewear", "cold")


class SignRule(NamedTuple):
    """One way a sign shows up in a message, and what it takes for it to count."""

    id: str
    sign: str
    reason: str
    patterns: tuple[str, ...]
    # Context needed for the sign to count, any one of: "acute" (sudden, time-anchored or passed),
    # "side" (one-sided), "dizzy", "body" (a body part is named). Empty: the wording is a red flag alone.
    needs: tuple[str, ...] = ()
    # Benign explanations that cancel it when present nearby (keys of CUES), e.g. "injury" for a cast.
    benign: tuple[str, ...] = ()


_MOTOR = ("injury", "exertion", "posture", "condition", "cold")
# A limb that cannot move at all is not explained by a workout.
_STILL = ("injury", "posture", "condition", "cold")

SIGN_RULES: tuple[SignRule, ...] = (
    # --- Face (FAST: F) ----------------------------------------------------------------------------
    SignRule("face_droop", "face_droop", "face drooping or uneven smile (FAST: Face)", (
        "@FACEORSIDE ~ ~ ~ @DROOP",
        "@DROOP ~ ~ ~ @FACE",
        "@DROOP on|to|down ~ one|left|right side",
        "@FACE ~ ~ not look|looking|looks right|normal|straight|even",
        "can not smile ~ ~ properly|normally|evenly|straight",
        "smile|smiles|smiling|grin ~ ~ only ~ on one side",
        "half|side of ~ @FACE ~ ~ <NOTWORK>",
        "one|half side of ~ @FACE ~ ~ down|lower",
        "droopy|drooping|lopsided|droopey",
    )),
    # --- Arm (FAST: A) ------------------------------------------------------------------------------
    SignRule("arm_drift", "arm_weakness", "arm drifting down or falling (FAST: Arm)", (
        "@ARM ~ ~ ~ @DRIFT",
        "@ARM ~ ~ keeps? falling|fell|falls down|back|limply|away",
        "@ARM ~ ~ just flops|hangs|drops|dropped",
    ), benign=("injury", "posture")),
    SignRule("arm_raise", "arm_weakness", "cannot raise or hold up an arm (FAST: Arm)", (
        "<CANT> lift|raise|hold ~ ~ ~ @ARM",
        "<CANT> lift|raise|hold up ~ ~ ~ @ARM",
        "<CANT> keep ~ ~ ~ @ARM up|raised|lifted",
    ), benign=_MOTOR),
    SignRule("arm_raise_it", "arm_weakness", "cannot raise or hold up an arm (FAST: Arm)", (
        "<CANT> lift|raise|hold it|them up|at",
        "<CANT> lift|raise it|them $",
    ), needs=("body",), benign=_MOTOR),
    SignRule("arm_weakness_word", "arm_weakness", "sudden arm weakness (FAST: Arm)", (
        "arm|arms weakness",
        "@ARM ~ ~ keeps? dropping|drops|dropped things|everything|stuff",
        "dropping|drops|dropped things|everything ~ ~ ~ @ARM",
        "<CANT> hold|grip ~ ~ cup|fork|spoon|knife|phone|pen|glass|mug|anything|things",
    ), needs=("acute", "side"), benign=_MOTOR),
    # --- Speech (FAST: S) ---------------------------------------------------------------------------
    SignRule("speech_slurred", "speech", "slurred speech (FAST: Speech)", (
        "@SLUR",
        "slurs ~ ~ words|speech",
    )),
    SignRule("speech_garbled", "speech", "garbled or confused speech (FAST: Speech)", (
        "speech|words|sentences ~ ~ ~ @JUMBLED",
        "talking|speaking|saying|says|spouting|speaks|talks ~ ~ @JUMBLED",
        "@JUMBLED ~ speech|words|talk|talking|sentences",
        "talking|speaking|saying|says|spouting|speaks|talks ~ ~ rubbish|jibberish",
        "words ~ ~ coming|come|came|comes out ~ wrong|jumbled|mixed|muddled|backwards|funny|weird|strange",
        "words ~ ~ mixed|muddled up",
        "speech|words ~ ~ off|weird|funny|strange|odd|wrong|thick|unclear|slow|slowed|broken|altered|strangely",
        "speaking|talking ~ off|weird|funny|strange|odd|wrong|strangely|weirdly|oddly|funnily|slowly",
        "speech|words|talking ~ ~ not right|normal|clear",
        "speech|words ~ ~ not making ~ sense",
        "sounds|sounding|sounded|talks|talking|speaking|speaks|speech ~ ~ ~ drunk|drunken|intoxicated",
        "@PERSON ~ ~ not making ~ sense",
        "@PERSON ~ ~ making no sense",
        "@PERSON ~ ~ not make ~ sense when ~ talks|speaks|talking|speaking",
        "what ~ says|said|saying ~ ~ no|not ~ sense",
        "lost ~ ~ speech",
        "lost ~ ~ ability to speak|talk|communicate",
        "speech ~ ~ gone|lost|loss|disappeared|slurred|garbled",
        "loss of speech",
        "talking ~ like ~ ~ mouth ~ full",
        "aphasia|dysarthria|dysphasia",
    )),
    SignRule("speech_cant", "speech", "unable to speak or understand (FAST: Speech)", (
        "<CANT> ~? get ~ ~ words|word|sentence|anything out",
        "<CANT> ~? form|string|put ~ words|sentence|sentences",
        "<CANT> ~? find|say ~ ~ words|word $",
        "<CANT> ~? say anything $",
        "<CANT> ~? @SPEAKVERB $",
        "<CANT> ~? speak|talk|answer|respond at|anymore|properly|clearly|normally|right|straight|suddenly",
        "<CANT> understand me|us|speech|spoken|anything|anyone $",
        "<CANT> understand what i|we|people|anyone|he|she|they|someone|others ~ saying|say|said|says",
        "words ~ ~ will|would not come out",
        "<CANT> walk|move|see|eat|stand|swallow|think|breathe or|nor|and talk|speak|answer",
        "nothing ~ comes|coming|came out when ~ tries|tried|talks|speak|speaks",
        "mute $",
    )),
    # --- Eyes (BE-FAST: E) --------------------------------------------------------------------------
    SignRule("vision", "vision", "sudden change, loss, blurring or doubling of vision (BE-FAST: Eyes)", (
        "@VISION ~ ~ ~ @VISBAD",
        "@CHANGE ~ ~ ~ vision|eyesight|sight",
        "vision|eyesight loss|change|changes|problem|problems|disturbance|trouble",
        "@SEE ~ double",
        "@SEE two|2 of ~",
        "<CANT> see $",
        "<CANT> ~? see out|properly|clearly|anything|straight|from|on|well|at|with|suddenly|right",
        "went|gone|going|go|goes|is|suddenly blind",
        "blind in|on ~ ~ ~ eye|side",
        "blindness",
        "everything ~ ~ blurry|blurred|double|dark|black|fuzzy|hazy|grey|gray|dim",
        "curtain|shadow|blackness ~ ~ ~ ~ ~ eye|eyes|vision",
        "blurry|blurred|fuzzy|hazy|double|blurring|doubled vision",
    ), benign=("eyewear",)),
    # --- Consciousness ------------------------------------------------------------------------------
    SignRule("consciousness", "consciousness", "loss of consciousness, even briefly", (
        "@FAINTED",
        "@PASSED out",
        "keeled|toppled|flaked over",
        "@LOSE ~ consciousness",
        "@UNCONSCIOUS",
        "@COLLAPSED",
        "out cold",
        "knocked out",
        "<CANT> wake ~ ~ up",
        "<CANT> wake him|her|them|dad|mum|mom",
        "will|would not wake ~ up",
        "@PERSON ~ ~ ~ unresponsive",
        "@PERSON ~ ~ not ~ responding|responsive",
        "fell|went unconscious",
        "came to on|in the floor|ground",
        "found ~ ~ on the floor|ground",
        "not remember|recall ~ falling|collapsing|fainting|passing|what|how|hitting",
    )),
    # --- Paralysis / cannot move ---------------------------------------------------------------------
    SignRule("paralysis", "paralysis", "paralysis or inability to move a body part", (
        "@PARALYSED",
        "<CANT> move ~ ~ ~ @BODY",
        "<CANT> use ~ ~ @BODY",
        "<CANT> lift|raise ~ ~ ~ @LEG",
        "@BODY ~ ~ ~ <NOTWORK>",
        "@BODY ~ ~ just? flopping|flops|floppy|flopped",
    ), benign=_STILL),
    SignRule("paralysis_it", "paralysis", "inability to move a body part", (
        "<CANT> move|lift it|them $",
        "<CANT> move it|them at all",
    ), needs=("body",), benign=_STILL),
    # --- Weakness or numbness ------------------------------------------------------------------------
    SignRule("weak_limb", "weakness_numbness", "sudden weakness or numbness of face, arm or leg", (
        "@BODY ~ ~ ~ @WEAK",
        "@WEAK ~ ~ ~ ~ @BODY",
        "<CANT> ~? grip ~ ~",
        "pins and needles ~ ~ ~ @BODY",
        "@WEAK ~ ~ down|on one side",
        "one|left|right side ~ ~ ~ @WEAK",
        "dragging|drags|dragged ~ ~ ~ @LEG|it",
    ), needs=("acute", "side"), benign=_MOTOR),
    SignRule("weak_went", "weakness_numbness", "a limb that went numb, dead or weak", (
        "@BODY ~ ~ <WENTNUMB>",
        "@BODY ~ ~ ~ @WENT numb|dead|limp|useless|lifeless|weak",
        "<CANT> feel ~ ~ ~ @BODY",
        "lost|losing|lose|no feeling|sensation ~ ~ ~ @BODY",
        "@BODY ~ ~ ~ ~ dead weight",
        "@BODY ~ ~ ~ ~ not mine",
    ), benign=_MOTOR),
    SignRule("face_numb", "weakness_numbness", "numbness of the face", (
        "face|cheek|lip|lips|tongue|mouth ~ ~ ~ numb|numbness|tingly|tingling",
        "numbness|numb|tingling ~ ~ ~ face|cheek|lip|lips|tongue|mouth",
    ), benign=("dental", "cold")),
    SignRule("weak_sudden", "weakness_numbness", "sudden weakness or numbness", (
        "@WEAKBARE",
    ), needs=("acute", "side"), benign=_MOTOR),
    SignRule("swallow", "weakness_numbness", "sudden difficulty swallowing (throat weakness)", (
        "<CANT> ~? @SWALLOW",
        "@SWALLOW ~ ~ problem|problems|difficulty|trouble",
        "choking on ~ ~ water|drink|food|saliva|spit",
        "dysphagia",
    ), needs=("acute",)),
    # --- Balance (BE-FAST: B) -------------------------------------------------------------------------
    SignRule("balance", "balance", "sudden loss of balance or trouble walking (BE-FAST: Balance)", (
        "@LOSE ~ ~ balance",
        "off balance",
        "@BALANCEBAD",
        "<CANT> ~? walk|stand ~ straight|properly|up|upright|unaided|steady|at",
        "<CANT> walk|stand $",
        "<CANT> ~? @WALK ~ ~ balance|upright|steady",
        "keeps|kept|keep falling|tipping|toppling|tilting",
        "falling|leaning|tipping|listing|veering|lurching ~ ~ one|left|right side",
        "falling|leaning|tipping|listing|veering|lurching|falls|leans|fall|lean to|towards ~ left|right|one",
        "fell|falls|fall over|down",
        "legs ~ ~ gave way|out",
        "can not coordinate|control ~ ~ legs|arms|body|movements",
    ), needs=("acute", "dizzy", "side"), benign=_MOTOR + ("trip",)),
    SignRule("balance_drunk", "balance", "walking as if drunk (BE-FAST: Balance)", (
        "walking|walks|stumbling|staggering|moving ~ ~ like ~ ~ drunk|drunken",
    )),
    # --- Confusion -----------------------------------------------------------------------------------
    SignRule("confusion_word", "confusion", "sudden confusion", (
        "@CONFUSED",
        "not ~ ~ making any? sense",
        "acting|talking|behaving ~ ~ strange|strangely|weird|weirdly|odd|oddly",
    ), needs=("acute",), benign=("condition",)),
    SignRule("confusion_state", "confusion", "sudden confusion (does not know where they are or who you are)", (
        "@PERSON ~ ~ not ~ know|recognise|recognize|remember where ~ is|are|was",
        "not ~ know where i am|was",
        "@PERSON ~ ~ not ~ know who ~ ~ is|are|am|was",
        "@PERSON ~ ~ not ~ recognise|recognize|know me|us|anyone|anybody|her|him|his|their|my",
        "not ~ know what day|year ~ ~ ~ is|was",
        "no idea where ~ is|are|am|was",
    ), benign=("condition",)),
    # --- Headache ------------------------------------------------------------------------------------
    SignRule("headache_worst", "headache", "worst headache ever, a thunderclap headache", (
        "worst ~ ~ ~ headache|migraine|head",
        "headache|migraine ~ ~ ~ ~ worst",
        "thunderclap",
        "never ~ ~ ~ ~ headache|migraine|pain like this|that",
        "never ~ ~ ~ headache|migraine|pain this|so bad|painful",
        "headache|pain like ~ ~ hit|hammer|explosion|bomb|thunderclap|lightning",
    )),
    SignRule("headache_severe", "headache", "sudden severe headache with no known cause", (
        "@SEVERE ~ ~ headache|headaches|migraine",
        "@SEVERE ~ ~ head pain",
        "headache|headaches ~ ~ ~ @SEVERE",
        "sudden|suddenly ~ ~ ~ headache",
        "headache ~ ~ ~ ~ sudden|suddenly",
        "head ~ ~ ~ exploding|exploded",
    ), needs=("acute",), benign=("headache_cause", "condition")),
    # --- A stroke named as happening now ----------------------------------------------------------
    SignRule("stroke_now", "suspected_stroke", "someone may be having a stroke right now", (
        "i|@PERSON ~? ~? having ~? ~? stroke|tia",
        "be|this|that|it ~? ~? stroke|tia $",
        "think|thinks|thought|worried|scared|afraid|fear|maybe|probably|suspect|sure|like ~? i|@PERSON ~ ~ ~ ~ stroke|tia",
        "just ~? had|suffered ~? ~? stroke|tia",
        "looks|look|seems|seem|looking like ~? ~? stroke|tia",
    )),
    SignRule("stroke_just_had", "suspected_stroke", "a stroke that has just happened", (
        "had|has ~? ~? ~? stroke|tia",
        "stroke|tia ~ ~ ~ ~ ago",
    ), needs=("acute",)),
)

# Context cues: phrases looked for around a candidate sign (same pattern language).
CUES: dict[str, list[str]] = {
    # Sudden onset: satisfies "acute", and overrides slow-change and benign explanations.
    "sudden": [
        "sudden", "suddenly", "abruptly", "abrupt", "all of a sudden", "out of nowhere", "out of the blue",
        "without warning", "all at once", "no warning", "out of thin air", "in an instant", "within seconds",
        "within minutes", "instantly",
    ],
    # Symptoms that passed still count (a TIA); satisfies "acute" and overrides slow change.
    "transient": [
        "went away", "go away", "gone away", "wore off", "came back", "has|had passed", "passed now",
        "lasted|lasting", "for a few|couple ~? seconds|minutes", "for # ~? seconds|minutes|mins|secs|second|minute",
        "for a moment|minute|second", "momentarily", "briefly", "brief", "came and went", "comes and goes",
        "back to normal", "resolved", "earlier", "fine|ok|okay|normal|better|gone now", "seems fine|normal", "episode|episodes", "for an hour|instant",
        "for half an hour", "for # hours|hour|hrs",
    ],
    # Time-anchored onset: satisfies "acute".
    "acute": [
        "immediately", "came|comes|come on", "hit|hits me|him|her|them",
        "started|starting|began|begun|starts|begins", "just now", "just happened", "just started", "just went",
        "right now", "as we speak", "as i type",
        "# minutes|minute|mins|min|hours|hour|hrs|hr|seconds|secs ago", "minutes|hours|seconds ago",
        "an|a|few|couple ~? hour|hours|minute|minutes ago", "half an hour ago", "this morning|afternoon|evening",
        "tonight", "last night", "earlier today", "overnight", "woke|woken|waking|wakes|awoke up",
        "woke|awoke with", "when ~ woke|awoke", "at breakfast|lunch|dinner|supper", "attack",
        "since lunch|breakfast|dinner|this|last", "mid sentence|conversation", "out of character",
        "while ~ talking|eating|watching|walking|driving|cooking|speaking",
    ],
    # Slow change: over weeks, months or years, or since an old event.
    "chronic": [
        "slowly", "gradually", "gradual", "progressively", "progressive", "steadily", "over time",
        "little by little", "bit by bit", "over the years|months|weeks|decades",
        "over ~ past|last ~? # ~? years|year|months|month|weeks|decade",
        "over ~ past|last ~? few|couple ~? years|months|weeks",
        "over a year|decade|month", "over # years|months|weeks",
        "for # ~? years|months|weeks", "for years|months|weeks|ages|decades",
        "for ~ past|last ~? # ~? years|year|months|month|weeks|decade",
        "for ~ past|last ~? few|couple ~? years|months|weeks", "for a long time", "for a year|decade",
        "for a few|couple ~? years|months|weeks", "# years|months ago", "years|months ago",
        "since retiring|retirement|birth|childhood|school|covid|university|college|lockdown|chemo|pregnancy",
        "since my|his|her|the stroke|surgery|operation|accident|injury|illness|diagnosis|retirement|teens|twenties|thirties|forties|fifties|sixties|seventies|eighties|birth|childhood|youth|pregnancy|chemo|fall",
        "since i|he|she|we retired|stopped|started|moved|was|were",
        "since YEAR", "in YEAR", "last year|month|winter|summer|spring|autumn",
        "after|since ~ ~ stroke|strokes", "stroke|strokes ~ ~ years|months|weeks|year|month|week ago", "improve|improving|improved|improvement",
        "rehab|rehabilitation|therapy|physiotherapy|recovering|recovery", "used to", "always had|been", "all my|his|her life", "lifelong",
        "chronic", "run|runs|running in the|my|our family", "genetic", "hereditary", "inherited", "long-term", "long - term", "long term", "getting weaker|worse|thinner|slower",
        "got weaker|worse", "get weaker|worse", "been getting", "weaker than before", "with age", "as i age",
        "as i get older", "due to age", "old age", "bedridden", "bed rest", "every day|morning|night|time",
        "everyday", "most days", "sometimes", "often", "occasionally", "regularly", "on and off",
        "for a while now", "over the past", "over the last", "weeks now", "months now", "years now",
    ],
    # One-sided: "left arm", "one side of her face", "half his body".
    "side": [
        "left|right|one|1 @BODY", "left|right side|sided", "one side|sided", "one-sided",
        "half ~ ~ ~ @BODY", "left|right - sided", "@BODY on one|the ~? side", "on the left|right",
        "on one side", "to the|one left|right|side", "to one side",
    ],
    "dizzy": ["dizzy", "dizziness", "dizzyness", "vertigo", "spinning", "spins", "spun", "lightheaded",
              "light headed", "light - headed", "giddy", "woozy", "whirling", "room ~ ~ moving",
              "head ~ ~ swimming"],
    "body": ["@BODY"],
    # Benign explanations.
    "injury": [
        "cast", "casts", "plaster", "sling", "splint", "splinted", "brace", "braced", "bandage", "bandaged",
        "stitches", "surgery", "operation", "operated", "post-op", "post - op", "broke", "broken",
        "fracture", "fractured", "sprain", "sprained", "dislocated", "dislocation", "injury", "injured",
        "injuries", "hurt", "hurts", "replacement", "physio", "physiotherapy", "rotator", "frozen shoulder",
        "tendonitis", "tendinitis", "pulled a muscle", "pulled muscle", "strain", "strained", "bruised",
        "bruise", "wound", "torn", "tore", "ligament", "tendon", "crutches", "accident", "whiplash", "bone",
        "immobilised", "immobilized", "above ~ head", "over ~ head", "as high as", "as far as",
        "range of motion", "jammed", "bitten", "stung", "cut my|his|her",
    ],
    "exertion": [
        "gym", "workout", "workouts", "work out", "worked out", "working out", "exercise", "exercises",
        "exercising", "exercised", "training", "trained", "lifting", "weights", "squats", "squat",
        "deadlifts", "leg day", "arm day", "run", "running", "ran", "jog", "jogging", "marathon", "hike",
        "hiking", "hiked", "long walk", "walking all day", "cycling", "cycled", "bike ride", "swim",
        "swimming", "yoga", "pilates", "sore", "soreness", "doms", "stiff", "stiffness", "ache", "aches",
        "aching", "achy", "cramp", "cramps", "cramping", "gardening", "digging", "moving house",
        "press ups", "push ups", "pushups", "sit ups", "chin ups", "pull ups", "reps", "football", "tennis",
        "climbing", "carrying", "carried", "spin class", "hiit", "crossfit", "rowing", "planks",
    ],
    "posture": [
        "sat|sitting|slept|sleeping|lying|lay|leaning|leant|kneeling|laying ~? on ~ ~ @LIMB|it|them",
        "sitting cross", "cross legged", "cross - legged", "crossed ~ legs", "@LIMB ~ ~ fell|fallen|gone|went|going|falls asleep",
        "@LIMB ~ ~ went|gone|going to sleep", "@LIMB ~ ~ ~ asleep", "pins and needles",
        "sitting|sat for ~ ~ hours|ages|long", "sitting|sat too long", "long flight|drive|car journey",
        "awkward|funny position", "slept funny|wrong|awkwardly", "on the toilet", "tight shoes",
        "tight watch|strap|sleeve",
    ],
    "dental": ["dentist", "dental", "filling", "fillings", "novocaine", "anaesthetic", "anesthetic",
               "anaesthesia", "anesthesia", "injection", "numbing", "root canal", "tooth", "wisdom",
               "spicy", "chilli", "chili", "hot sauce", "lip balm", "cold sore"],
    "eyewear": ["glasses", "contacts", "contact lenses", "lenses", "reading", "screen", "screens", "computer",
                "laptop", "eye drops", "optician", "optometrist", "cataract", "cataracts", "prescription",
                "tired eyes", "dry eyes", "long sighted", "short sighted", "eye test", "spectacles", "crying",
                "cried", "swimming", "chlorine", "pool", "sunlight", "small print", "eye strain", "eyestrain",
                "allergies", "hay fever", "shampoo", "soap", "dilated", "eye exam", "goggles", "sunglasses",
                "rubbed my eyes", "rubbing my eyes", "menus", "book"],
    "cold": ["cold weather", "in the cold", "freezing", "winter", "snow", "raynaud", "raynauds", "raynaud's",
             "cold water", "ice bath", "frostbite", "outside in the cold"],
    "trip": ["tripped", "trip", "slipped", "slip", "ice", "icy", "wet floor", "skateboard", "rollerblading",
             "skating", "dancing", "drunk", "drinks", "beers", "pints", "tipsy", "boat", "rollercoaster",
             "roller coaster", "spinning around", "kerb", "curb", "missed ~ step", "pothole", "stairs",
             "rug", "banana", "clumsy", "uneven"],
    "condition": ["neuropathy", "diabetic", "carpal", "sciatica", "arthritis", "dementia", "alzheimer",
                  "alzheimers", "alzheimer's", "trapped nerve", "pinched nerve", "herniated", "slipped disc",
                  "multiple sclerosis", "parkinson", "parkinsons", "parkinson's", "fibromyalgia",
                  "restless legs", "chemo", "chemotherapy"],
    "headache_cause": ["hangover", "hungover", "caffeine", "coffee", "dehydrated", "dehydration", "usual",
                       "as usual", "like always", "tension", "sinus", "sinuses", "flu", "period", "screen",
                       "stress", "stressed", "lack of sleep", "glasses", "hormonal", "after drinking", "wine",
                       "beers", "pints", "always get", "regular", "i get them"],
    # Words that only look like a sign ("sleep paralysis", "confused about my diet").
    "veto": [
        "sleep paralysis", "paralysed|paralyzed|paralysis with|by fear|indecision|fright|choice|anxiety|terror",
        "analysis paralysis",
        "confused about|by|with|as|why|what|how|which|whether|if|over|between|on|re|regarding",
        "confusion about|over|around|regarding|between|on", "confused me|us",
        "passed out leaflets|flyers|papers|the|some|cake|sweets|candy|drinks|food|cards|invitations|tickets|forms",
        "blacked out the|windows|names|text|curtains|screen", "blackout curtains|blinds|period|periods",
        "power|electricity blackout|blackouts|cut",
        "tent|roof|building|shelf|chair|bridge|market|economy|lung|house|wall|ceiling|deal|company|business|plan|table|cake|souffle|soufflé|stock|price|prices collapsed",
        "collapsed lung", "collapse of", "lost sight of", "double vision of", "vision board|statement|plan|plans", "vision for the|this|my|our|next|2025|2026",
        "vision of the", "weak spot|point|points|signal|wifi|tea|coffee|battery|link|argument|excuse|joke",
        "dead battery|phone|wifi|end", "phone|battery|car|laptop|line went dead", "dead tired|beat",
        "dead on my|his|her feet", "droopy plant|plants|flowers|ears|leaves",
        "crooked picture|teeth|nose|tooth|fence|line|frame", "lopsided cake|haircut|table|picture",
        "balance sheet|board|transfer|bike|beam|training|exercises|exercise|work|life|diet|bar",
        "work life balance", "balanced diet", "bank balance", "balance of", "mind went blank", "lost for words",
        "emotionally numb", "numb emotionally", "numb inside", "numb to", "mind numbing", "mind - numbing",
        "almost|nearly fainted|collapsed|passed|blacked|fell", "almost|nearly fainting|collapsing|passing|lost|losing",
        "close to fainting|collapsing|passing", "about to collapse", "felt|feel|feeling faint",
        "going|gonna to? collapse|faint", "weak knees at", "weak at the knees", "weak-kneed",
        "drooling over", "fell down laughing", "fell over laughing", "falls asleep", "fell asleep",
        "confused face|look|expression", "double check", "double - check", "seeing double yellow",
        "blurry photo|photos|picture|pictures|image|images|video|camera|screen", "vision insurance",
        "out cold weather", "fainting goat|goats", "slurry pit|tank", "fall over laughing",
        "paralyzed|paralysed the", "knocked out of", "fell down the", "falling down the",
    ],
    # Information-seeking wording (a real person named in the clause turns it back into a report).
    "info": [
        "sign|signs|symptom|symptoms|indicator|indicators|indication of|for", "warning sign|signs",
        "stroke sign|signs|symptom|symptoms", "stand|stands|standing for", "acronym", "mnemonic",
        "read|reading that|about|online|somewhere", "heard that|about", "learn|learning|learnt|learned",
        "article", "leaflet", "poster", "quiz", "homework", "essay", "course", "exam", "first aid",
        "what is|are|does|do", "what 's", "whats", "define", "definition", "meaning of", "example",
        "examples", "difference between", "teach|explain|describe|list", "tell me about", "be - fast",
        "befast", "be fast", "b.e.f.a.s.t", "f.a.s.t", "look like", "looks like", "common", "typical",
        "typically", "generally", "caused by", "is it true", "how long does", "risk", "prevent",
        "recovery", "recover", "after a stroke", "stroke survivors", "statistics", "how do|can|would|should|will i|you|we|one",
        "how is|are", "mean|means",
    ],
    # Hypothetical or causal questions, which a named person does not turn into a report.
    "hypo": [
        "can|could|might|may|would|will ~ ~ ~ cause|make|lead|trigger|give|result|bring",
        "is it possible", "have|has|had|did|do you|anyone|someone|somebody|people ~? ever", "if ever", "in the future", "one day", "someday", "some day", "were to",
        "god forbid", "later in life", "hypothetically", "for example", "e.g.", "in general", "in theory",
        "would i|you|we|they", "what if", "in case", "in the event",
    ],
    # Present-time words that keep a conditional a report ("if his face is drooping right now").
    "now": ["now", "right now", "currently", "at the moment", "still", "again", "already", "as we speak",
            "just", "today", "tonight", "this morning|afternoon|evening", "at the minute"],
    # Urgency that makes a question a report even without a person ("blurry vision, is this a stroke?").
    "report": [
        "is|could|might this|it be ~? ~? stroke", "is this|it ~? stroke", "am i having", "is he|she ~ having",
        "having a stroke", "should i|we call|ring|phone|go", "calling|called|rang|phoned 911|999|112|ambulance",
        "what do|should i|we do $", "please help", "what is happening|wrong", "help $", "help me", "help us", "emergency", "urgent",
        "urgently", "scared", "terrified", "panicking", "panic", "frightened", "right now", "as we speak",
        "happening", "going on", "is this normal", "is that normal",
    ],
    # Phrasing around the writer that does not anchor the sign to a person.
    "frame": [
        "what should|do|can|would i|we do", "how do|can|would|should|will i|we", "should|can|do|would i",
        "i|we read|heard|learned|learnt|saw", "i have|'ve heard|read|learned", "i want|wanted to know",
        "i 'd|would like to know", "i wonder", "i was|am wondering", "tell|teach|show me", "explain to me",
        "help me understand", "let me know", "i am|'m curious", "i need to know", "i am|'m asking",
        "i am|'m studying|writing|learning", "my teacher|doctor|nurse|gp|physio said|told|mentioned",
        "i was told", "i 've been told", "i have been told", "i know", "do you know", "i mean", "remind me",
        "i am|'m a nurse|carer|student|teacher", "i 'm|am preparing", "i|we should", "can i", "do i",
        "i am|'m worried that", "i 'm|am worried i", "i|we want to", "i|we would",
    ],
}

# Body-part regions: an injury cue only cancels a sign in the same region ("knee surgery" does not
# explain an arm that suddenly cannot move).
BODY_REGIONS: dict[str, list[str]] = {"arm": ARM, "leg": LEG, "face": FACE}

# Frequent words, avoided as pattern triggers (see red_flags._required_words).
COMMON_WORDS = ["and", "or", "nor", "to", "it", "not", "no", "of", "up", "can", "could", "will", "would",
                "one", "just", "like", "out", "down", "over", "what", "get", "see", "keep", "feel", "only",
                "never", "them", "off", "way", "things", "everything", "the", "a", "is", "was", "are",
                "on", "in", "my", "his", "her", "he", "she", "i", "side", "use", "find", "say", "put",
                "making", "hold", "came", "nothing", "without", "trouble", "problem", "problems",
                "difficulty", "stand", "walk", "lost", "loss", "falls", "fell", "falling", "form", "string",
                "saying", "says", "talk", "talking", "kept", "keeps", "stopped", "stops", "steady", "upright",
                "dropped", "dropping", "drops", "head", "things", "barely", "hardly", "unable", "struggling",
                "struggles", "struggled", "failed", "fails", "hard", "having", "had", "has", "have"]

# Common misspellings (lower case) and their canonical form.
TYPOS: dict[str, str] = {
    "suddently": "suddenly", "sudenly": "suddenly", "suddenley": "suddenly", "suddnly": "suddenly",
    "sudently": "suddenly", "suddenlly": "suddenly", "suddenlyy": "suddenly", "sudden1y": "suddenly",
    "vison": "vision", "visoin": "vision", "vission": "vision", "visiom": "vision", "eyesite": "eyesight",
    "numbess": "numbness", "numbnes": "numbness", "numbnis": "numbness", "numm": "numb", "nunb": "numb",
    "slured": "slurred", "slurd": "slurred", "slurrd": "slurred", "slurrying": "slurring",
    "paralised": "paralysed", "paralized": "paralyzed", "paraliszed": "paralyzed", "parralysed": "paralysed",
    "paralysd": "paralysed", "weeknes": "weakness", "weekness": "weakness", "weaknes": "weakness",
    "blury": "blurry", "blurrie": "blurry", "bluryy": "blurry", "blured": "blurred", "dizy": "dizzy",
    "dizzey": "dizzy", "faintd": "fainted", "fanted": "fainted", "feinted": "fainted",
    "collasped": "collapsed", "colapsed": "collapsed", "unconcious": "unconscious",
    "unconsious": "unconscious", "conciousness": "consciousness", "consciousnes": "consciousness",
    "conscousness": "consciousness", "droping": "drooping", "droopin": "drooping", "drupping": "drooping",
    "confussed": "confused", "confuesd": "confused", "headach": "headache", "hedache": "headache",
    "headake": "headache", "balence": "balance", "ballance": "balance", "swalow": "swallow",
    "swallowin": "swallowing", "giberish": "gibberish", "jibberish": "gibberish", "garbeled": "garbled",
    "speach": "speech", "spech": "speech", "talkin": "talking", "lopsidded": "lopsided",
    "lopesided": "lopsided", "walkin": "walking", "wek": "weak", "weeak": "weak", "arrm": "arm",
}
# Key words for which a one-edit typo is also accepted ("visoin", "suddently"), and real words that are
# one edit from a key word and must stay as they are ("dropping" is not "drooping").
FUZZY_TARGETS = ["suddenly", "sudden", "vision", "paralysed", "paralyzed", "paralysis", "numbness",
                 "weakness", "slurred", "slurring", "drooping", "droopy", "lopsided", "consciousness",
                 "unconscious", "confused", "confusion", "headache", "blurry", "blurred", "garbled",
                 "gibberish", "swallowing", "balance", "dizziness", "fainted", "collapsed", "eyesight",
                 "unresponsive", "thunderclap", "disoriented", "staggering", "stumbling"]
FUZZY_GUARD = ["slurped", "spurred", "slurried", "painted", "tainted", "dropping", "drooling", "dropped",
               "flurry", "slurry", "blurted", "blurbs", "balanced", "balances", "valance", "sadden", "sodden",
               "meekness", "dumbness", "weakens", "confuses", "confused", "confusing", "collapses",
               "headaches", "blurring", "fainter", "fainting", "reading", "revision", "division", "visions",
               "unconscious", "subconscious", "paralyse", "paralyze", "paralyses", "paralyzes", "dizzier",
               "suddenness", "stumbled", "staggered", "garbles", "lopsided", "eyesights", "blurrier"]
# "cant"-style contractions written as one token ("CANT", "DIDN'T", "cnt"): the base and its normal form.
CONTRACTION_BASES: dict[str, str] = {
    "ca": "can", "can": "can", "c": "can", "car": "can", "could": "could", "cud": "could", "wo": "will",
    "would": "would", "wud": "would", "did": "do", "does": "does", "do": "do", "is": "is", "was": "was",
    "has": "has", "have": "have", "are": "are", "were": "were", "should": "should", "must": "must",
    "need": "need", "wont": "will",
}
