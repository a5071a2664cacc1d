"""Training the domain-tuned question encoder from the question corpus in ``corpus/``.

Imports torch and sentence-transformers: used by ``make train`` and the tests of training, never by the bot.
"""
