-- Shared by _immigration_matches.sql and vague_reason.sql (a helper view, `_reasons`).
-- answers: every distinct reason typed, once: the flags that judge a reason by its words examine each
--   distinct text once, however many rows carry it, and read the reasons of the release only once
--   between them.
SELECT DISTINCT reason
FROM searches
WHERE reason IS NOT NULL
