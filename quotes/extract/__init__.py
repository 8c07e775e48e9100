"""The extraction stages, in reading order: marks -> cues -> detect -> attribute -> speakers.

``nlp`` loads the spaCy pipeline once; ``doccache.read_document`` finds a parse's paragraphs, quotations and
sentences once, and detect and attribute both read them; ``words`` holds every word list.
:mod:`quotes.pipeline` wires the stages together.
"""
