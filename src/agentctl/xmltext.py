"""XML documents that parse whatever text they carry.

ElementTree writes any string it is given, but XML 1.0 has no way to say most
control characters, lone surrogates or U+FFFE/U+FFFF: a manifest named
``a\\x01b`` made a JUnit report no CI could read. Each such character is
written as U+FFFD instead.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# Everything outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\\t\\n\\r\\x20-\\ud7ff\\ue000-\\ufffd\\U00010000-\\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def document(root: ET.Element, *, indent: bool = True) -> str:
    """``root`` as a UTF-8 XML document (declaration, indented unless told), every text
    and attribute made writable with :func:`xml_text`."""
    for el in root.iter():
        if el.text:
            el.text = xml_text(el.text)
        if el.tail:
            el.tail = xml_text(el.tail)
        for key, value in el.attrib.items():
            el.attrib[key] = xml_text(value)
    if indent:
        ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
