"""The extraction stages, in reading order: marks -> cues -> detect -> attribute -> speakers.

``nlp`` loads the spaCy pipeline once; ``doccache`` holds the parse-derived facts a stage reads more than once.
:mod:`quotes.pipeline` wires the stages together.
"""
