"""The word lists of extraction and speaker linking, in one place: titles, honorifics, first names, pronouns,
verbs and nouns of reporting, and the nouns that describe speakers.

Every list is lower-case (spaCy's ``lower_`` or ``lemma_``). Where two stages need different lists for what
looks like the same thing, both are here under names that say what each is for, with the difference noted:
merging them would change what the stages find.
"""

from __future__ import annotations

# -- titles and honorifics -------------------------------------------------------------------------------

# Words stripped from the front of a person's mention in one article ("Chinese President Xi", "state-run news
# agency ..."): titles and offices, but also the party words, possessives and descriptors a mention in a news
# story carries ("GOP nominee", "minister's", "then", "acting"). Wider than LINKING_TITLES.
MENTION_TITLES = frozenset("""
president vice prime minister chancellor leader mr mrs ms miss mx dr sen senator rep representative gov
governor mayor secretary general gen col lt sgt capt king queen prince princess pope sir lord lady dame
judge justice chairman chairwoman chair ceo cfo spokesman spokeswoman spokesperson ambassador foreign
defense defence interior finance former then candidate nominee republican democratic democrat gop sheikh
ayatollah premier commissioner director professor prof rev reverend chief deputy acting interim attorney
first lady presidential congressman congresswoman councillor councilman councilwoman lawmaker mp mep
envoy commander admiral marshal officer minister's president's state-run state news agency leader's
""".split())
# Leading words dropped from a person's name before comparing names across articles (``quotes.linking``): the
# stored names are already cleaned by MENTION_TITLES, so only titles proper; not party words or descriptors
# ("Democratic", "nominee") that keep two people apart across a store, but also "coach", "captain", "speaker"
# and "health" (minister), which MENTION_TITLES lacks.
LINKING_TITLES = frozenset("""
    president vice prime minister chancellor premier senator sen rep representative congressman
    congresswoman gov governor mayor secretary general gen mr mrs ms miss mx dr prof professor sir dame
    lord lady king queen prince princess pope chairman chairwoman chair ceo judge justice chief
    ambassador commissioner director coach captain capt lt col sgt rev reverend sheikh former
    deputy foreign finance defense defence interior health speaker leader
""".split())
# Honorifics and titles that tell a person's gender.
FEMALE_TITLES = frozenset({"mrs", "ms", "miss", "madam", "madame", "queen", "princess", "lady", "dame",
                           "congresswoman", "chairwoman", "spokeswoman", "councilwoman"})
MALE_TITLES = frozenset({"mr", "sir", "king", "prince", "lord", "congressman", "chairman", "spokesman",
                         "councilman", "sheikh"})
# Abbreviated titles, read as the noun they stand for when describing a speaker ("Sen." is a "senator").
ABBREVIATIONS = {"sen": "senator", "rep": "representative", "gov": "governor", "pres": "president",
                 "gen": "general", "lt": "lieutenant", "col": "colonel", "amb": "ambassador", "sec": "secretary"}

# -- names ------------------------------------------------------------------------------------------------

# A few very common first names, enough to tell "he" from "she" in most news stories. Common names only:
# never names picked from the evaluation articles (the project is measured on news it has not seen).
FEMALE_NAMES = frozenset("""
nancy elizabeth sarah maria mary anna anne angela theresa michelle olga natalia irina yulia svetlana
jennifer jessica emily christine liz susan karen linda barbara patricia margaret catherine kate laura lisa
julia helen ruth rachel hannah amy claire sophie emma alice jane janet ann deborah donna nicola lauren megan
dorothy carol sandra ashley kimberly betty rebecca sharon cynthia kathleen amanda stephanie
""".split())
MALE_NAMES = frozenset("""
donald joe bill george john james robert michael david richard thomas charles mike paul william daniel
ted marco chris tim mark peter andrew steve stephen jeff kevin brian jason eric ben sean matthew anthony
vladimir sergei sergey dmitry alexei alexander volodymyr emmanuel olaf boris rishi keir xi wang li recep
benjamin narendra justin jair luis carlos jose juan ahmed mohammed muhammad ali hassan ivan joseph edward
jim tom dan matt nick scott gary frank larry harry henry kenneth ronald jack ryan
""".split())
# Lower-case words inside a name: "Bank of America", "Ursula von der Leyen".
NAME_PARTICLES = frozenset("of for and on the de da del della der di du la le van von bin ibn al el y & -".split())
# Suffixes of a company's name that may follow a comma: "Acme Holdings, Inc.".
COMPANY_SUFFIXES = frozenset("inc inc. ltd ltd. llc l.l.c. plc co co. corp corp. lp llp sa ag".split())
# Suffixes that tell a father from his son: "Jr." must not link to the name without it.
GENERATIONAL = frozenset({"jr", "sr", "ii", "iii", "iv"})
# A party's names: "the GOP nominee" is the "Republican nominee".
PARTY_FORMS = {w: {"gop", "republican"} for w in ("gop", "republican")} | \
    {w: {"democratic", "democrat"} for w in ("democratic", "democrat")}

# -- pronouns ---------------------------------------------------------------------------------------------

# Pronouns attribution resolves to an earlier mention, by gender and number (with reflexives and
# possessives; "I", "we" and "you" are the writer or the quoted speaker and are never resolved).
MALE_PRONOUNS = frozenset({"he", "him", "his", "himself"})
FEMALE_PRONOUNS = frozenset({"she", "her", "hers", "herself"})
PLURAL_PRONOUNS = frozenset({"they", "them", "their"})
NEUTER_PRONOUNS = frozenset({"it", "its"})
# Subject pronouns that can be the speaker of a quoted fragment in their clause ("he called it “a hoax”").
SPEAKER_PRONOUNS = frozenset({"he", "she", "they"})
# A stored speaker name that is one of these is no name (``quotes.linking``): personal pronouns of every
# person, including "I", "we" and "you", which attribution never resolves.
PERSONAL_PRONOUNS = frozenset("he she they him her them i we you it his hers their theirs".split())
# Pronouns that open a relative clause: in "officials who said", the speaker is the clause's head.
RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom"})

# -- reporting: verbs, prepositions, documents ----------------------------------------------------------

# Verbs of saying, writing and announcing. Verbs that often mean something else ("add", "call", "note",
# "state", "report", "tell") count only with a clausal complement or the particle that makes them speech.
SPEECH_VERBS = frozenset("""
chant sing yell scream exclaim
say tell add warn insist argue claim declare announce state note explain write report reply respond ask
urge accuse deny confirm suggest admit acknowledge complain stress emphasize emphasise repeat reiterate
predict promise pledge vow threaten demand propose recommend criticize criticise condemn praise welcome
reject dismiss describe assert maintain contend concede recall remark comment testify tweet post joke
quip shout cry whisper mutter boast lament caution advise counter retort observe indicate signal conclude
allege charge disclose reveal inform brief hail slam blast decry defend blame question wonder speculate
underline underscore reaffirm voice express mention tout estimate forecast agree disagree announce
proclaim affirm cite lash rule label brand dub reckon opine muse concur object protest plead appeal call
""".split())
# Verbs whose direct object (or "for"/"against"/"on" phrase) can itself be the reported content:
# "Beijing called for a ceasefire", "The ministry denied the report", "She urged restraint".
NOMINAL_CONTENT = frozenset("""
call urge deny confirm announce reject welcome condemn praise criticize criticise propose demand promise
pledge vow threaten reiterate repeat dismiss slam blast decry defend blame accuse question hail warn
insist reaffirm recommend advise appeal plead express voice tout disclose reveal
""".split())
# Prepositions that carry content after a cue: "call for", "warn against", "insist on", "accuse X of".
CONTENT_PREPS = frozenset({"for", "against", "on", "of", "about", "that"})
# Verbs whose object is the addressee, not the content: "Xi told Lukashenko".
ADDRESSEE_VERBS = frozenset({"tell", "ask", "inform", "brief", "assure", "remind", "warn", "urge", "advise"})
# A verb and particle that together are a cue: "call for", "warn against".
PHRASAL_CUES = frozenset({("call", "for"), ("call", "on"), ("warn", "against"), ("insist", "on"),
                          ("argue", "for"), ("argue", "against"), ("appeal", "for"), ("plead", "for")})
# Subjects of a cue that report on behalf of someone else ("a statement from the ministry said"): the cue's
# source is then the one the subject names. Differs from ISSUED_DOCUMENTS: spoken and broadcast forms
# ("speech", "interview", "video") and the spokespeople themselves, for the cue stage.
REPORTING_SUBJECTS = frozenset({"statement", "report", "letter", "release", "tweet", "post", "document", "memo",
                                "spokesman", "spokeswoman", "spokesperson", "announcement", "communique",
                                "speech", "interview", "editorial", "study", "video", "ad", "website"})
# Labels an editor opens a paragraph with ("CLARIFICATION: The first sentence has been …"): not a speaker.
EDITORIAL_LABELS = frozenset("""
clarification clarifications correction corrections update updated note editor's editor’s disclosure
disclaimer related photo photos video watch listen read more see also advertisement
""".split())
# Nouns of saying whose holder said what their clause reports: "Berg's claim that there were “thousands”".
CLAIM_NOUNS = frozenset("""
claim claims statement assertion remark remarks comment comments charge accusation allegation argument
contention insistence suggestion promise pledge vow warning boast prediction words
""".split())
# Documents that speak for whoever issued them when they are the source ("the plan says", "the statement
# said"): attribution looks for the issuer. Written documents only, with the legal and policy kinds
# ("ruling", "lawsuit", "blueprint") that REPORTING_SUBJECTS lacks.
ISSUED_DOCUMENTS = frozenset("""
plan statement report document paper proposal letter memo memorandum release communique communiqué study
survey analysis filing complaint lawsuit order ruling resolution declaration guidance blueprint
""".split())
# Verbs by which someone issues a document: "the ministry published a plan".
ISSUE_VERBS = frozenset("issue publish release unveil present propose put file produce draft send post".split())
# Words that may follow an apostrophe after a plural -s when it closes a single-quoted quotation; any other
# lower-case word makes it a plural possessive ("the leaders’ meeting").
NOT_POSSESSED = frozenset({"he", "she", "they", "said", "says", "and", "or", "but", "as",
                           "the", "a", "an", "in", "on", "at", "to", "for", "with", "by",
                           "added", "told", "wrote", "warned", "is", "was", "it"})

# -- nouns that describe speakers -----------------------------------------------------------------------

# Nouns that describe a person: "the president", "a spokesman for the Kremlin", "sources".
PERSON_NOUNS = frozenset("""
president minister leader official businessman businesswoman billionaire mogul spokesman spokeswoman spokesperson senator governor mayor candidate
nominee chairman chairwoman chair secretary ambassador diplomat general commander chief director adviser
advisor aide analyst expert economist professor doctor lawyer attorney judge source sources officer man
woman resident voter supporter critic activist lawmaker congressman congresswoman premier chancellor king
queen prince envoy negotiator manager executive ceo founder author researcher scientist witness
""".split())
# Nouns that describe an organisation: "the ministry", "the campaign".
ORG_NOUNS = frozenset("""
ministry government agency company campaign committee department council commission party kremlin
administration office bank union group medium organization organisation newspaper paper media network
army military court parliament congress senate white house police embassy firm university institute team
""".split())
# Nouns a story uses to name again someone it follows ("the New York businessman", "the Vermont senator"); not
# those that bring in someone new ("a White House spokesman", "the campaign's lawyer").
ROLE_NOUNS = frozenset("""
president leader businessman businesswoman billionaire mogul senator governor mayor candidate nominee chairman
chairwoman secretary premier chancellor congressman congresswoman lawmaker minister ambassador king queen prince
general commander founder
""".split())
# The gender a describing noun tells.
NOUN_GENDER = {"businessman": "m", "businesswoman": "f", "spokesman": "m", "spokeswoman": "f", "chairman": "m",
               "chairwoman": "f", "congressman": "m", "congresswoman": "f", "man": "m", "woman": "f", "king": "m",
               "queen": "f", "prince": "m"}
# Subjects that can be the speaker of a quoted fragment or of the clause before a colon, in detection (before
# any entity is resolved): a few person, organisation and document nouns, far fewer than PERSON_NOUNS.
SPEAKER_SUBJECT_NOUNS = frozenset(["spokesman", "spokeswoman", "spokesperson", "official", "minister", "president",
                                   "statement", "ministry", "government", "campaign", "senator", "governor",
                                   "leader"])

# -- Title Case ---------------------------------------------------------------------------------------------

# Words left lower-case in a Title-Case name or title ("Partnership of the Century"), for detection's
# title-like quotations: with the name particles "de", "la", "van" ...
TITLE_SMALL_WORDS = frozenset(["a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "for", "with", "by",
                               "from", "de", "la", "du", "van", "vs", "von"])
# ... and for attribution's headline lines: with "but", "as", "is", "via", which a headline keeps lower-case.
HEADLINE_SMALL_WORDS = frozenset("a an the of in on at to for and or but by with from as is vs via".split())
