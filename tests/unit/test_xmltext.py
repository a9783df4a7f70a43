"""Every text and attribute of an XML report parses back, whatever characters it was given."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from agentctl.xmltext import document, xml_text


def test_characters_xml_cannot_carry_become_replacement_characters():
    assert xml_text("a\x00b\x01\x1b\x7f\ud800\ufffe\uffff\tc\nd\re\U0001f600") == (
        "a\ufffdb\ufffd\ufffd\x7f\ufffd\ufffd\ufffd\tc\nd\re\U0001f600"
    )


def test_a_document_with_hostile_text_and_attributes_parses():
    root = ET.Element("testsuites", name="x\x01")
    case = ET.SubElement(root, "testcase", classname="a\x02b\ufffe")
    ET.SubElement(case, "failure", message="m\x03").text = "body\x04"
    parsed = ET.fromstring(document(root).split("\n", 1)[1])
    assert parsed.get("name") == "x\ufffd"
    assert parsed.find("testcase").get("classname") == "a\ufffdb\ufffd"
    assert parsed.find("testcase/failure").text == "body\ufffd"
