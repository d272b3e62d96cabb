-- flag: freeform_prompt
-- title: Free-form text prompts
-- section: accountability
-- order: 50
-- answers: which searches were natural-language (freeform) searches: a Text Prompt is present, or the
--   Search Type starts with `freeform` (`freeform`, `freeform - Mobile`).
-- evidence: text_prompt: "white pickup with ladder rack", or search_type: freeform - Mobile
-- limits: exports without Text Prompt or Search Type columns cannot show these.
-- sentence: a free-form text prompt was used
-- followup: no
SELECT
    search_key,
    'freeform_prompt' AS flag,
    CASE
        WHEN text_prompt IS NOT NULL AND trim(text_prompt) <> '' THEN 'text_prompt: "' || text_prompt || '"'
        ELSE 'search_type: ' || search_type
    END AS evidence
FROM searches
WHERE (text_prompt IS NOT NULL AND trim(text_prompt) <> '')
   OR lower(trim(search_type)) LIKE 'freeform%'
