"""Readers' comments: posting with its spam checks, threads, moderation, settings, mail.

settings: the author's one row of settings; spam: the checks a new comment passes;
posting: a reader's comment from form to row; threads: what pages show; moderation: the
author's actions; mail: notifications, sent by the job worker.
"""
