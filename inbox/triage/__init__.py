"""What the team does with a post once it is in the inbox: answer it from a template,
post the answer back, file the bug, hand it to the developer on rotation, announce a
release. Pure core: no Textual, no terminal."""
