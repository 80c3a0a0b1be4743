"""ducu: urges obligors to honour effective civil judgments before compulsory enforcement."""
