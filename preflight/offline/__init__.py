"""Running the program offline: a mocked AWS that answers like AWS (`mocked_aws`, `answers`),
a recorder of what the program registers (`recorder`), the program runner (`runner`), and the
policy pack evaluated in-process on the recording (`analyzer`). Used by the tests and by
`python -m preflight`."""
