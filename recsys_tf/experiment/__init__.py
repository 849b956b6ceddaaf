"""An experiment: its configuration, the data prepared for it and its run directory.

Between the towers (``models``) and what uses a run (``evaluation``, ``training``, ``export``):
preparing data embeds item text, so it sits above ``text``; evaluating a finished run loads
one, so it sits below ``evaluation``.
"""
