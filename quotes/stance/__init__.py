"""Stance of quotes on user topics: topics, training data, the classifier, training, evaluation, model card.

The heavy modules (``classifier``, ``modeling``, ``train``) import torch and transformers; import them
explicitly::

    from quotes.stance.classifier import StanceClassifier, default_model_path
    from quotes.stance.topics import load_topics
"""
