"""Trade assessment: one risk level for a whole order or shipment.

An :class:`~chokepoint.trade.order.Order` (parties by role, goods lines,
route, payment, stated end use) is turned into facts (party screening,
controlled-goods hits, route and payment findings), rulesets written as
data evaluate those facts, and the result is an
:class:`~chokepoint.trade.assess.Assessment` with a level
(clear < review < escalate < block) and reasons tied to their source
documents and to the evidence in the order.

Dependencies point one way: this package uses ``chokepoint.matching`` and
``chokepoint.lists``; neither of them imports it.
"""
