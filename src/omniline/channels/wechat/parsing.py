"""WeChat's callback XML, read safely: a flat `<xml>` of named text fields (CDATA or plain).

defusedxml refuses any DTD, so neither external entities (XXE) nor entity expansion (billion laughs)
can do anything: such a body is malformed input, like any XML that does not parse.
"""

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from omniline.kernel.errors import MalformedInput


def parse_fields(body: bytes) -> dict[str, str]:
    """The `<xml>` root's child elements as name → stripped text (nested elements, such as a passive
    reply's `<Video>`, are flattened into their children). MalformedInput when it is not that."""
    if not body.strip():
        raise MalformedInput("the body is empty, WeChat sends XML", code="malformed_xml")
    try:
        root: Element = fromstring(body, forbid_dtd=True)
    except (DefusedXmlException, ParseError) as error:
        raise MalformedInput(f"the body is not acceptable XML: {error}", code="malformed_xml") from None
    if root.tag != "xml":
        raise MalformedInput(f"the root element is <{root.tag}>, WeChat sends <xml>", code="malformed_xml")
    fields: dict[str, str] = {}
    for element in root.iter():
        if element is not root and len(element) == 0:
            fields[element.tag] = (element.text or "").strip()
    return fields
