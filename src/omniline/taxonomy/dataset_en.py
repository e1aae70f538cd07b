# ruff: noqa: E501  (one template per line: the long messages are long on purpose)
"""English templates of the generated set (synthetic, hand-written; see dataset.py for how it is used)."""

from omniline.taxonomy.phrasebook import Phrasebook, lines

TEMPLATES: dict[str, tuple[str, ...]] = {
    "orders.status": lines("""
        where is my order {order}??
        what's the status of order {order}
        has my order {order} been shipped yet?
        I placed an order on {date} and there is no update at all
        can you check my order {order} please, the status still says processing
        when will my {product} be sent? order {order}
        is my order confirmed? I paid but got no email
        order {order} status pls
        did you receive my order for the {product}? nothing shows in my account
        hi can u tell me if {order} has left the warehouse yet
        I need the tracking number for my {product}, the email with it never came
        Ordered a {product} on {date}. It still says "being prepared". Is that normal? How long until it ships?
        any news on my order? been 2 days and it hasnt moved from pending
        is there a way to see where my parcel is right now, I have order {order}
        Good afternoon. Could you please let me know the current status of order {order}? I have not received any shipping confirmation.
        yo whats happening with my stuff, ordered {date}
        so is {order} actually going anywhere or
        I'd like an update on my purchase from {date}, the account page just says "received"
        status check: {order}
        been refreshing my orders page all day, nothing changes. has it even been packed?
        hey, quick one - has the {product} been dispatched?
        my order page shows no tracking link at all, how am I supposed to follow it
        when can I expect my {product} to ship out? just want a rough date
        um hi yeah I'm calling about an order I made, number is {order}, just wanna know where it's at
        no confirmation email, no tracking, nothing. did my order even go through?
        Dear team, kindly advise on the progress of my order {order}, placed on {date}.
        the tracker stopped at "label created" - is the parcel with the carrier or not?
        which stage is my order at? paid, packed, shipped?
        Can you look up my order? The reference is {order} and I'd like to know if it's been sent.
        need to know if my {product} is in stock and going out this week or if I should wait
        order says "awaiting fulfilment" for {days} days, what does that mean
        could I get the courier's tracking code for {order}
        wat is status of my purchase {order}
        just checking in on order {order} - any idea when it leaves you?
        My partner ordered a {product} under my account on {date}, can you tell me if it has shipped?
        nothing in my inbox about shipping yet, is {order} still being processed?
        is order {order} with the courier yet or still in your warehouse
        is there an estimated ship date for {order}? the site doesn't show one
        sorry to bother you but my order confirmation said 2-3 days and I can't see any movement on it
        my {product} order - packed? shipped? anything?
    """),
    "orders.change": lines("""
        can I change my order {order}? I need a different size
        I want to add another {product} to order {order}
        please change the colour on my order {order} to black
        I ordered the wrong {product}, can you swap it before it ships?
        need to change the quantity in order {order} from 1 to 2
        can I still edit my order? want to remove one item
        is it possible to switch the model of {product} in my order
        I made a mistake in my order {order}, please update it
        oops picked size M instead of L on {order}, can u fix before dispatch
        Could you please amend order {order}: take out the {product} and keep the rest. Thank you!
        forgot to add the charger to my order, can you put it in the same box?
        pls upgrade the {product} in my order to the bigger version, I'll pay the difference
        wrong variant selected in {order} - need the blue one not grey
        Hello, I would like to make a modification to order {order} before it is dispatched, if that is still possible.
        can i switch to express shipping on {order}? already paid for standard
        need 3 of the {product} not 1, same order pls
        hey can u swap the {product} in {order} for the one in white
        is there still time to edit what's in my basket? I already checked out
        the order went through with the old promo, can you redo it with the right items
        I'd like to replace one item in my order with a different model, happy to pay extra
        change of plan: keep order {order} but drop the second {product}
        Please update the item size on order {order} from 10 to 11.
        accidentally ordered 5 instead of 1, can you reduce the amount before packing
        adding a gift wrap to {order} - is that possible after payment?
        i put the wrong option on checkout, need the 256gb version of the {product}
        Could the {product} be replaced with the previous generation model in my order? The new one is not compatible.
        need to merge my two orders into one shipment, numbers {order} and the one before
        hi, voice message: I ordered the {product} this morning, picked the wrong colour, can someone change that for me, thanks
        don't cancel anything, just take one item off {order}
        my order has the wrong size, I meant to pick large not medium, can you correct it
        want to edit order {order} - add batteries and a case
        your site let me pick the wrong plug type for the {product}, please correct it in the order
        can you put a second {product} on my existing order so I don't pay shipping twice
        can the items on {order} be altered? the set I chose is incomplete
        before you pack it: swap the grey {product} for the black one please
        is it possible to upgrade my order to the pro version, it hasn't shipped
        Regarding order {order}: please replace the item with the one in size 38. Thank you in advance.
        I'd like to tweak my order a little: swap the charger cable for the longer one
        could the delivery option on {order} be changed to click and collect? nothing else changes
        before it ships, can you also throw in the matching case for the {product}
    """),
    "orders.cancel": lines("""
        please cancel my order {order}
        I want to cancel the order I placed {date}
        cancel order {order}, I found it cheaper elsewhere
        I no longer need the {product}, how do I cancel?
        can I cancel before it ships? order {order}
        ordered by mistake, please cancel and don't charge me
        how do I cancel an order in the app
        cancel my order {order} asap it hasn't shipped yet
        changed my mind about the {product}, please stop the order
        I clicked buy twice by accident, kill the second order please
        Please don't send order {order}. I don't want it any more and I want the whole thing called off.
        canel order {order} now, I've waited too long already
        is it too late to withdraw my order? it was placed an hour ago
        Dear support, I hereby request the cancellation of order {order}. Please confirm by email.
        dont want it anymore. cancel.
        can u stop {order} from going out, no longer needed
        Please void my purchase from {date}, I bought it by accident.
        how do I call off an order that's not shipped yet
        I changed my mind, I'd like to cancel the {product} and get my money back
        cancel everything I ordered today please
        the item is taking too long, I'd rather just cancel order {order}
        is there a cancel button somewhere? can't find it for {order}
        my kid placed this order without asking, please cancel it
        found the {product} in a shop near me, so cancel my online order
        Please do not ship {order}. Cancel it and refund the card.
        I want out of this order, how do I cancel
        can I cancel only the {product} from order {order} and keep nothing else? actually just cancel the whole thing
        cancellation request for {order}, reason: duplicate order
        hi there, calling to cancel my order, the number is {order}, I don't need it anymore
        if it hasn't left the warehouse yet please scrap the order
        cancel pls, ordered the wrong thing entirely
        I'm not going to need the {product} after all. Can the order be cancelled?
        abort order {order}
        I'd like to back out of my purchase before it's sent
        still within the cancellation window? want to cancel {order}
        order placed by mistake twice, cancel one of them
        can you kill order {order}, price dropped and I'll reorder
        I need to undo my purchase, it's still showing as processing
        Would you be so kind as to cancel order {order}? It is no longer required.
        cancel the order and put the money back on card {card}
    """),
    "delivery.delay": lines("""
        my order {order} was supposed to arrive on {date} and it's still not here
        where is my order?? it's {days} days late
        the delivery is late, tracking hasn't updated in {days} days
        courier didn't come today, order {order}
        still waiting for my {product}, delivery date passed
        why is my parcel stuck in {city}?
        the tracking says delivered but I have nothing
        how much longer do I have to wait for delivery
        I took a day off work to wait for the driver and nobody showed up
        Your site promised next-day delivery. It has been {days} days. Where is it??
        the delivery window was 9 to 1 and its now 6pm, no driver no call nothing
        parcel has been "out for delivery" since {date} what is going on
        my {product} was meant to come before the weekend, it's Tuesday now
        ETA keeps moving every day, I need the {product} for a birthday
        It has been {days} days past the promised delivery date and my {product} has still not arrived. This is unacceptable.
        delivery was due {date}. nothing. again.
        waited in all day for the courier, no show
        the parcel is sitting in a depot in {city} for a week now
        where the hell is my parcel, it's way overdue
        the estimated delivery date on the tracking just keeps getting pushed back
        it was meant to arrive by {date} and still nothing has turned up
        my {product} hasn't arrived and the delivery slot is long gone
        tracking hasn't moved since it left the sorting centre {days} days ago
        your courier keeps rescheduling my delivery, this is the third time
        I paid for next day shipping and it's been {days} days
        I've been waiting for a parcel since {date}, when will it actually be delivered
        hi I'm just ringing because my delivery didn't come, it was supposed to be today between 8 and 12
        driver left a card saying he tried, but I was home all day, still no parcel
        The shipment appears to be stuck in transit. Order {order} should have been delivered a week ago.
        why is delivery taking so long
        courier app says 'delayed due to operational issues' for {days} days
        late again, second order in a row that hasn't arrived on time
        the parcel is going back and forth between {city} and the warehouse and never reaches me
        my order still hasn't been delivered even though it was shipped on {date}
        not received yet, it's overdue by {days} days
        the delivery is nearly a week behind schedule
        expected my {product} on {date}, it's still in transit apparently
        nobody has delivered order {order} and the tracking page has no new info
        so the courier said today, then tomorrow, now nothing. where is {order}
        My package was supposed to be here for the holiday and it's nowhere to be seen.
    """),
    "delivery.damaged": lines("""
        my {product} arrived broken
        the box was crushed and the {product} inside is damaged, order {order}
        received order {order} today, the screen is cracked
        parcel arrived wet and torn, item damaged
        the {product} came with a dent and scratches
        half the items in my order arrived smashed
        delivered damaged, what do I do? photos attached
        your courier dropped the package and now the {product} doesn't work
        opened the box and the glass was in pieces
        The {product} I got on {date} has a huge crack on the side, clearly it was thrown around in transit.
        packaging was ripped open and the {product} is scratched all over
        the lid of the {product} is snapped off, it came like that
        got my parcel, everything inside is bent and leaking
        The item arrived in an unacceptable condition: the {product} is cracked and unusable.
        box came soaked through, the {product} inside is ruined
        it's broken. just opened it. broken.
        the {product} got damaged during delivery, the corner is smashed in
        half the screen is shattered on the {product} I received {date}
        the parcel looked like someone stood on it, and the contents are bent
        whoever packed this didn't use any padding, the {product} arrived dented
        I received my order but the glass panel is broken into pieces
        the courier handed me a box with a huge hole in it, item inside scratched
        Upon opening the package I found the {product} damaged. Photographs are attached for your reference.
        leaking liquid everywhere, the bottle broke in transit
        the {product} has a big scratch across the front, it came like that out of the box
        order {order} arrived, one of the mugs is shattered
        hey I got the delivery but the thing is all cracked, what now
        the outer carton was torn and the {product} was missing a knob that broke off
        product damaged in shipping, need a replacement not excuses
        the {product} came with a broken hinge straight out of the parcel
        everything got crushed in the post, even the box of the {product} is flat
        the courier obviously dropped it, the corner of the {product} is caved in
        legs of the table snapped, arrived like that
        I signed for the parcel and then saw the {product} is dented all over
        the screen of my new {product} has cracks, it was like that when delivered
        delivered yesterday, the {product} rattles inside and won't switch on, looks smashed
        my parcel arrived wet and the {product} box fell apart
        one of the wheels on the {product} snapped off, must have happened on the way here
        Unfortunately the goods were received damaged; the packaging was visibly crushed.
        my order came today and the {product} is chipped and has a hole in the box
    """),
    "delivery.address": lines("""
        can I change the delivery address for order {order}?
        I put the wrong address, please deliver to {street}, {city}
        I moved, need my order sent to a new address
        please redirect my parcel to {street}
        the courier has an old address, can you update it? order {order}
        can I pick up the order at a store in {city} instead of home delivery
        wrong flat number in my address on order {order}
        deliver to my office instead: {street}
        typo in the postcode on my order, it should end in 4AB not 4BA
        I won't be home next week, can the parcel go to my neighbour at {street}?
        Hello, I've just realised the shipping address on {order} is my old flat in {city}. Please send it to {street} instead.
        can you ship to my parents place, different city ({city})
        the street name on my order is misspelled, courier won't find it
        I would like to request that order {order} be delivered to a different address: {street}, {city}.
        wrong address on my order!! pls fix
        sent it to my old place by mistake, can you reroute it
        the postcode is wrong on my shipping label, help
        I'm away for the next week, can you deliver to {street} instead of my home
        please correct the house number on my delivery details, it's 14 not 41
        can I have my parcel delivered to a pickup point rather than my flat
        need to update the shipping address before it goes out, new one is {street}
        the delivery address autofilled to my work, I need it at home in {city}
        hi, so I moved house last month and forgot to update the address on my order {order}
        address missing the apartment number, courier won't find me
        Please amend the delivery address for {order}: {street}, {city}.
        can I send my order to a friend's address, I won't be in {city}
        the app put my old address on the order and I didn't notice
        can the courier leave it at {street} instead? that's my mum's
        delivery info is wrong, entrance code and floor are missing
        change where it's going pls, new address {street}
        my order is going to the wrong city, I'm in {city} now
        I'd like to switch from home delivery to collection at the {city} store
        address typo: the street is "{street}" not what's on the order
        can you hold the parcel and ship it to another address next week
        is it too late to change the address for {order}? it says in transit
        my shipping details are outdated, I live on {street} now
        delivering to the wrong street, please update it before the courier goes out
        the building number on the label is wrong, it should go to {street}
        I'm staying at a hotel in {city} now, can my parcel be sent there instead
        could you forward order {order} to my office, same city, different street
    """),
    "returns.request": lines("""
        I want to return the {product}
        how do I return order {order}? it doesn't fit
        I'd like to send back the {product} and get a refund
        the {product} is not what I expected, can I return it?
        need a return label for order {order}
        can I return an item bought {date} without the box
        I want my money back for the {product}, it's the wrong size
        how many days do I have to return something
        the colour looks totally different irl, I'd like to send it back
        can I exchange the {product} for a smaller size?
        Bought a {product} as a gift and they already have one, how can I take it back to the {city} store?
        doesnt fit, want to swap it or return it whatever is easier
        where do I drop off a parcel I'm returning
        Good day, I would like to initiate a return for the {product} from order {order}, as it does not meet my expectations.
        how do returns work? never done one with you
        the {product} is faulty out of the box, I'd like to send it back
        too small. want to return it.
        do you do free returns? I need to send back a {product}
        Can I bring the {product} back to a store or does it have to be posted?
        I need to return two items from {order}, one is the wrong colour and one I don't like
        is it possible to swap the {product} for a different colour
        the {product} doesn't work with my system, I'd like to return it for a refund
        where do I get the return form
        how do I print the return label, the link in the email is broken
        my gift was a {product} I don't need, can I return it without the receipt
        changed my mind about the {product}, still unopened, want to return it
        I want to exchange it for the bigger size, is that free?
        returning this, it looks nothing like the photos on your site
        hi um I bought a {product} last week and I want to give it back, how do I do that
        can the courier pick up a return from {street} or do I need to go to the post office
        within 30 days still? need to return order {order}
        the {product} stopped working after a week, I want to send it back and get a new one
        I'm not happy with the quality and would like to return the item
        I opened the {product} but I don't like it, can I still return it?
        request a return pickup for order {order}
        the return portal won't let me select my item from {order}
        what's your return policy on sale items, I want to send something back
        The {product} is defective and I would like to return it under the statutory right of withdrawal.
        bought two sizes to try, sending the smaller one back - what's the process
        can I hand the return in at a pickup point in {city}
    """),
    "returns.refund_status": lines("""
        I returned the {product} {days} days ago, where is my refund?
        when will I get my money back for order {order}
        you received my return but the refund still hasn't arrived
        refund status for return {order} please
        it's been {days} days since the return, no money on my card yet
        the courier picked up the return on {date}, still no refund
        did you process my refund? the {amount} is not in my account
        how long does the refund take after a return
        you said refund approved but my bank shows nothing
        Sent the {product} back on {date} with tracking, you confirmed receipt, and still I'm waiting for {amount}. What's the hold up?
        only got half of the money back for {order}, where is the rest
        refund was supposed to be 3-5 working days its been two weeks
        hi just checking if my return was received and when the money comes
        I am writing to enquire about the status of my refund for order {order}, which was returned on {date}.
        refund where???
        you got the {product} back weeks ago and I still haven't seen a penny
        has my refund been issued yet? it's not showing on my card ending {card}
        return tracking shows delivered to you on {date} but no refund since
        when does the money go back after you inspect a return
        I'm still owed {amount} for the {product} I sent back
        the email says "refund processed" but my bank says no incoming payment
        how long do refunds take to hit a credit card
        it's been over a month since my return and the refund status hasn't changed
        refund for order {order} is pending for {days} days, what's the delay
        you refunded the wrong amount, I paid {amount} and got less back
        hi, calling about a refund, I returned a {product} and nothing has come back yet
        the return was accepted but where is my money
        Please confirm the date on which the refund of {amount} will be credited to my account.
        still waiting on my refund, you've had the item since {date}
        no refund received for cancelled order {order}
        can you check whether my refund went to my old card
        my return got marked as received, so when will I see the refund
        the refund seems to be stuck, my account says "in progress" for ages
        did the refund for the {product} go through or not
        waiting for reimbursement after returning {order}, any news?
        your policy says refund in 14 days, it's now day {days}
        the store said the refund would come to my card but nothing yet
        it says my return was processed on {date} but the money still isn't back
        Kindly confirm whether the refund for the returned {product} has been released.
        how much longer for the refund on {order}? bank says nothing pending
    """),
    "billing.double_charge": lines("""
        you charged me twice for order {order}
        I see two payments of {amount} for the same order
        my card was debited two times, please refund one
        I paid once but my bank statement shows the payment twice
        double charge on my card ending {card}
        the payment went through twice after the page froze
        why did you take the money two times for one {product}
        got two identical charges on {date}, only ordered once
        money was taken 2x from my account for {order}!!!
        Hi, my banking app shows {amount} taken on {date} and then the same {amount} again five minutes later. I only placed one order.
        charged double for the same thing, this is not ok
        there's a duplicate transaction for {order}, please reverse one of them
        I was billed twice this month for the same delivery
        I have been debited twice for a single transaction of {amount}. Please reverse the duplicate payment.
        two charges, one order. fix it
        my bank shows {amount} twice from you on {date}
        why am I paying double?? charged 2 times for {order}
        the checkout timed out so I paid again, now I've been charged for both
        I've got a duplicate payment on my credit card for the same {product}
        both attempts went through and I only wanted one order
        my card {card} was hit twice for the same amount
        you took {amount} and then {amount} again, that's double
        looks like my subscription was billed twice this month
        paid once, charged twice. please refund the extra
        hi, I'm seeing the same purchase two times on my statement
        I clicked pay once and two transactions appeared in my bank app
        duplicate billing on {date}, order {order}, I want one payment refunded
        Please note that my account was charged twice for order {order}. Kindly refund the second charge.
        your system took payment twice when the page reloaded
        charged me two times for the delivery fee
        i see two debits of {amount} from your shop, only one order in my account
        can you refund the second identical payment, I was charged twice
        the money was withdrawn twice from my account for one purchase
        same charge appears twice on my card ending {card}
        so I've been billed twice for one {product}, what's going on
        doubled payment after I used apple pay, two identical transactions
        the amount came off my account twice even though the first payment failed
        I got two emails saying payment received for the same order, and two charges on my card
        my statement has {amount} from you on {date} listed twice, please remove the extra one
        hello, the same payment for {order} has been taken from my account twice by mistake
    """),
    "billing.unknown_charge": lines("""
        there is a charge of {amount} from you that I don't recognise
        I never ordered anything but you took {amount} from my card
        what is this payment on {date}? I didn't buy anything
        unknown charge on my card ending {card}
        someone used my card in your shop, I did not make this purchase
        why did you bill me {amount}, I have no order
        there's a transaction from your company on my statement I know nothing about
        I see a payment to you I did not authorise
        who took {amount} off my card?? I've not shopped with you in a year
        My bank flagged a payment to your store on {date}. It wasn't me. Please explain what it's for.
        random charge from your company appeared, no order in my account
        is this {amount} charge a subscription? I never signed up for anything
        card {card} shows a purchase at your shop that I never made, possible fraud
        I have noticed an unauthorised transaction of {amount} from your company on my statement dated {date}. Please investigate.
        what's this charge. didn't buy anything
        there's {amount} taken by you and I have no idea what for
        I don't have an account with you, why am I being charged
        strange payment to your shop on my card, I didn't make it
        can you tell me what the {amount} charge on {date} was for
        my card was charged by your company but I haven't ordered since last year
        I think my card has been used fraudulently on your site
        a payment I don't recognise showed up on my bank statement, looks like yours
        who authorised this charge? not me
        you're charging me every month for something I never agreed to
        hi, there's a charge on my credit card from you, I don't remember buying anything
        my husband says he didn't buy anything either, so what is this {amount}?
        suspicious transaction on card ending {card}, merchant name is your company
        Could you please provide details of the charge of {amount} made on {date}? I do not recognise it.
        random {amount} debit from you, please explain or refund
        I never authorised any payment to your store
        why did you take money from me, I cancelled my account
        unknown payment on my statement, reference looks like one of yours
        my bank says this charge came from you, I have no order in my account
        I've been charged {amount} and there's no purchase in my history
        a charge appeared that doesn't match any of my orders
        unrecognised debit of {amount} from your company, need an explanation
        this isn't my purchase, someone must have my card details
        I don't know this charge of {amount}, nobody in my family ordered anything from you
        there's a payment from your shop I can't match to any order, please explain it
        I want the unexplained {amount} on my card returned, I never bought anything
    """),
    "billing.invoice": lines("""
        I need an invoice for order {order}
        can you send me a VAT invoice please, company details below
        where can I download the receipt for my order
        please email the invoice for {order} to {email}
        the invoice has the wrong company name, can you reissue it?
        I need a receipt for the {product} for my employer
        how do I get an invoice for a payment on {date}
        need a copy of my bill for order {order}
        accounting needs a proper tax invoice with our VAT number
        Could you issue the invoice in the company name rather than mine? Order {order}, paid {amount}.
        lost the paper receipt, can you send a pdf
        need proof of purchase for the {product} for warranty
        can I get one invoice for all my orders this month
        Please provide a formal invoice for order {order}, including our company's registration and VAT details.
        invoice pls for {order}
        where do I find the receipt in the app
        my company needs the invoice addressed to the business, not to me
        I need the receipt to claim expenses, can you email it
        can you reissue the invoice with the correct billing address
        the invoice doesn't show the VAT separately, I need a corrected one
        send the bill to {email} please
        how do I get an itemised receipt for my {product}
        I never got a receipt for my purchase on {date}
        need a copy of the invoice for order {order} for my accountant
        the receipt has the wrong amount on it, I paid {amount}
        can I get a tax invoice with my company name and address
        hi, I need a paper invoice for order {order}, can you post it
        the download invoice link in my account is greyed out
        We require monthly consolidated invoices for all purchases made by our company account.
        please add our VAT number to the invoice
        can you resend the payment confirmation and invoice for {order}
        lost my invoice, need another copy
        I need the invoice in PDF for the warranty claim on the {product}
        billing document for {order} shows the wrong name, please fix
        could I have a receipt showing the shipping cost separately
        how do I request an invoice for a business purchase
        the receipt email never arrived after I paid {amount}
        Our finance department requires an invoice for the payment of {amount} made on {date}.
        where can I get a proper receipt with the order number on it
        I need an invoice that shows the {product} and the price excluding tax
    """),
    "billing.payment_failed": lines("""
        my payment keeps failing at checkout
        card ending {card} declined but it has money on it
        I can't pay for order {order}, it says payment error
        the payment didn't go through but the money was reserved
        tried to pay {amount} three times, always transaction failed
        why is my card rejected on your website
        payment failed and now my order {order} is on hold
        Apple Pay doesn't work when I try to pay
        3D secure page just spins and then says something went wrong
        I keep getting "payment unsuccessful" even though my bank says everything is fine. I've tried two different cards.
        cant complete the purchase, the pay button gives an error
        paypal says the transaction couldn't be completed
        payment declined again, how else can I pay for the {product}
        My payment for order {order} was declined, although my card is valid and has sufficient funds.
        payment wont go through
        tried to pay with card {card}, keeps saying declined
        checkout says "something went wrong" every time I press pay
        google pay fails at the last step
        your site won't accept my card, works everywhere else
        the payment page timed out and the order wasn't placed
        my bank approved the payment but your site says it failed
        why does the transaction keep getting rejected
        error code at payment, can't finish the order for the {product}
        can't pay by card, is there another way
        the money was blocked on my card but the order says unpaid
        hi, I'm trying to buy a {product} but the card payment fails each time
        the sms code for payment confirmation never arrives so the payment fails
        Card payment for {amount} has failed repeatedly. Please advise on alternative payment methods.
        payment declined, but it's a brand new card
        paying with paypal gives an error and sends me back to the basket
        unable to complete payment, transaction was refused
        the payment spinner goes forever and then fails
        I can't pay for the order, the bank verification step crashes
        your checkout rejected my card three times
        payment unsuccessful when using my gift card and card together
        my order didn't go through because of a payment error
        could not process payment message again
        every time I enter my card details it says the payment could not be authorised
        the bank app asks me to confirm, I confirm, and your site still says payment failed
        I'm stuck at the payment step with card {card}, keeps bouncing back
    """),
    "complaints.service": lines("""
        I want to complain about your service, this is the third time my order is wrong
        terrible service, nobody answers the phone
        I've been waiting {days} days for a reply to my email, unacceptable
        your support keeps sending me the same template answer
        worst customer service ever, I want to file a complaint
        I was promised a call back on {date} and nobody called
        this is ridiculous, I have explained my problem five times
        very disappointed with how you handled my order {order}
        I have been a loyal customer for years and this is how you treat me? Nobody takes responsibility, every agent tells me something different.
        honestly the worst experience I've had with any shop
        escalate this to a manager, I'm sick of being ignored
        your chat bot is useless and there's no way to reach a human
        I'll be leaving a one star review, this is a joke
        I wish to lodge a formal complaint regarding the handling of my case, which has been ongoing for {days} days without resolution.
        useless. absolutely useless support.
        no one ever gets back to me, I've emailed {days} times
        your customer service is a disgrace
        every time I contact you I'm told someone will call back and nobody does
        I'm fed up with being passed between departments
        I want to speak to a supervisor about how my issue has been handled
        your company doesn't care about its customers at all
        I've been on hold for an hour, this is not acceptable
        this whole experience has been a nightmare from start to finish
        hi, I'm really unhappy with the level of service I've received
        I expected much better from your brand, really disappointed
        your promises mean nothing, I was told it would be sorted by {date}
        I am considering taking my business elsewhere after this
        nobody reads my messages, I just get automatic replies
        the way you deal with problems is appalling
        Please treat this as a formal complaint. I have contacted you repeatedly and received no meaningful answer.
        I'm going to report you to consumer protection if this isn't resolved
        the support chat keeps closing before anyone replies, awful service
        your support team made a simple problem into a month-long saga
        it's the second time this month that you messed up, I'm done
        waited in the queue forever then got disconnected, again
        I keep being told different things by different people, it's a mess
        extremely poor handling of my order {order}, nobody takes ownership
        this is the worst support I've dealt with, nobody follows up on anything
        I'm writing to express my frustration with the complete lack of help from your team
        your service has gone downhill, three problems and not one solved
    """),
    "complaints.staff": lines("""
        the courier was very rude to me today
        your operator hung up on me
        I want to complain about the employee at the {city} store
        the delivery guy threw my parcel over the fence
        the agent on the phone shouted at me
        a manager in your shop was rude and refused to help
        the courier demanded extra money for delivery
        your support agent was insulting, I want his name
        the girl at the till rolled her eyes and ignored me
        The driver swore at me when I asked him to bring the box upstairs. I want this person disciplined.
        the person on the hotline laughed at me
        security guard in your {city} shop followed me around like a thief
        your employee was chatting on his phone and told me to come back later
        I would like to report the unprofessional conduct of one of your couriers during the delivery on {date}.
        ur driver was so rude omg
        the woman on your support line was condescending and unhelpful
        one of your shop assistants was really aggressive towards me
        courier refused to carry the parcel to my door and yelled at me
        your agent told me to stop wasting his time
        I want to report the behaviour of a staff member at the {city} branch
        the manager was dismissive and talked down to me in front of others
        your employee made inappropriate comments to me
        the delivery driver was smoking in my hallway and was rude when I asked him to stop
        the chat operator was sarcastic and rude the whole time
        a cashier in your store accused me of stealing
        the call centre guy was really impolite and put the phone down
        hi, I had a horrible experience with one of your staff today, he was just plain rude
        the courier left my parcel in the rain and swore at me on the phone
        Your representative was extremely rude during our call and refused to give his name.
        the consultant in the store ignored me for 20 minutes and then snapped at me
        I'm disgusted by how your delivery man spoke to my elderly mother
        your worker in {city} was drunk, I want to report him
        the support agent insulted me when I asked a simple question
        courier was threatening when I asked for ID
        employee at the pickup point was very unfriendly and shouted at customers
        your staff laughed at me when I asked for help
        the driver kicked my parcel down the stairs in front of me
        your customer service rep was arrogant and hung up when I asked for a manager
        I want to file a complaint against the courier who delivered today, he was abusive
        the employee at your returns desk was incredibly rude and unhelpful
    """),
    "account.contact_details": lines("""
        I need to change the phone number on my account to {phone}
        please update my email to {email}
        how do I change my contact details?
        my phone number changed, I don't get the sms anymore
        change the email address on my profile please
        I want to update my name and phone in the account
        can you change my contact number, new one is {phone}
        wrong email in my account, please fix it to {email}
        got married, need my surname changed on the account
        I no longer have access to my old mailbox. Please put {email} on my profile instead.
        my number is now {phone} pls update
        how can i edit my personal info in the profile, the fields are greyed out
        please remove my old phone from the account and add {phone}
        I would like to update the email address associated with my account to {email}.
        new phone: {phone}
        pls change the number on my profile, old one doesn't work
        I'm not receiving your emails because my address changed, please update it to {email}
        can I edit my mobile number in the account settings? it won't save
        my name is spelled wrong on my account, can you correct it
        need to update my contact info, I moved and got a new phone
        how do I change the email I log in with
        the notifications still go to my old number, please update to {phone}
        hi, I'd like my account to use my work email instead, {email}
        remove my old address and phone from my profile please
        the profile page won't let me change my phone number
        Please replace my telephone number on file with {phone}.
        I changed my last name, how do I update it on my account
        my email has a typo in the profile, it should be {email}
        update my details: phone {phone}, email {email}
        I lost my SIM, new number is {phone}, please change it on the account
        can someone change the mobile number linked to my customer account
        the confirmation code goes to a number I no longer have, can you update it to {phone}
        want to add a second phone number to my account
        the contact email on my account is my ex-partner's, please change it
        how can I update my date of birth and name in the profile
        please make {email} the main email on the account
        my personal details are out of date, who can update them
        could you swap the mobile number on my profile for {phone}, I've changed provider
        my account still has my maiden name, please update it
        I'd like the text messages to go to {phone} from now on
    """),
    "account.password": lines("""
        I forgot my password and can't log in
        the password reset email never arrives
        my account is locked after too many attempts
        can't sign in to the app, it says wrong password
        how do I reset my password
        I don't get the login code by sms
        someone changed my password, I can't get into my account
        the reset link says expired
        it keeps saying incorrect login details but I'm sure they are right
        I've tried to reset my password four times today and every link I get says invalid token. I just want to see my orders.
        locked out of my account, help
        the verification code never comes so I can't get in
        forgot my login and password, my email is {email}
        I am unable to access my account as I have forgotten my password. Please assist.
        cant log in
        password doesn't work anymore, did you reset something?
        the reset password button does nothing
        I keep getting "invalid credentials" even after resetting
        my login stopped working after the update
        account blocked, too many wrong passwords, how long until I can try again
        the two-factor code never arrives so I can't log in
        hi, I'm locked out, the reset email goes to spam and the link is dead
        how can I recover access to my account, I don't remember the password
        forgotten password link isn't sent to {email}
        I changed my password yesterday and now neither the old nor new one works
        it says my account doesn't exist but I've ordered before
        Please reset the password on the account registered to {email}.
        login page keeps looping back after I enter my details
        I think my account was hacked, my password was changed
        can't get into my profile, need a new password
        the one-time code expired before I could use it, now it says too many attempts
        need help signing in, my login isn't recognised
        the password reset link takes me to an error page
        not able to log into the app or the website
        it won't let me set a new password, says it doesn't meet requirements
        my account got locked, please unlock it
        help me regain access to my account
        I clicked forgot password but the email with the link never shows up
        Please unlock my account; I have been unable to sign in since {date}.
        trying to log in and it keeps saying my password is wrong, I haven't changed it
    """),
    "account.delete_data": lines("""
        please delete my account and all my personal data
        I want you to erase all the data you hold about me
        how do I close my account permanently?
        under GDPR I request deletion of my personal information
        remove my email {email} from all your lists and delete my profile
        I don't want you to store my data anymore
        send me a copy of my data and then delete everything
        delete my account, I no longer use your shop
        I withdraw my consent for processing my personal data
        This is a formal request under Article 17 to erase all records you hold on me, including order history and addresses.
        get rid of my profile and stop sending me anything
        what data do you keep about me? I want it all wiped
        please deactivate and wipe my account {email}
        I hereby request the complete erasure of my personal data held by your company, in accordance with data protection law.
        delete me from your system
        please close my account and remove everything you have on me
        how can I permanently remove my profile and order history
        I want to be forgotten, delete all records linked to {email}
        stop storing my address and card details, I want them deleted
        unsubscribe me and delete my customer account
        I'd like to know what personal data you hold and have it removed
        I'm closing my account, please confirm all my data is destroyed
        can you delete my account? I can't find the option in settings
        hi, I'd like my details removed from your database completely
        please remove my phone {phone} and all other personal information from your records
        I no longer consent to you keeping my information
        Please confirm in writing once my account and all associated data have been deleted.
        terminate my account and wipe my info
        I want a data access request and then full deletion
        delete my profile, I'm done with your shop
        take my details off your system please
        how do I get my account deactivated and my data erased
        please purge my browsing and purchase history from your servers
        I'm requesting deletion under data protection rules, account {email}
        remove all my saved addresses and cards and close the account
        i dont want an account anymore, delete it and all my info
        my privacy matters, erase my data now
        I would like my customer profile and everything stored on me removed permanently
        how do I exercise my right to have my data erased
        please delete my account linked to {phone}, I don't want you keeping any of it
    """),
    "technical.app_crash": lines("""
        the app crashes every time I open it
        your app keeps closing when I go to checkout
        app freezes on the loading screen after the update
        the iPhone app crashes when I add the {product} to the cart
        android app won't start, just a white screen
        app shuts down when I try to track order {order}
        since the latest update the app is unusable, it crashes
        the mobile app closes by itself when I open my orders
        app just quits when I tap the basket icon
        Reinstalled your app twice on my Samsung, it still goes black and throws me back to the home screen after two seconds.
        the app hangs and I have to force close it
        ios app stuck on splash screen
        every time I scroll the catalogue in the app it dies
        The mobile application crashes immediately after launch on my device. I have tried reinstalling without success.
        app keeps crashing
        it just closes on me every time I hit pay in the app
        the app freezes and then shuts down when I open the catalogue
        after updating the app it won't even open
        app crashes on my android phone when I log in
        the app restarts itself when I try to view order {order}
        I get kicked out of the app every few seconds
        your app dies as soon as I open the camera to scan a code
        hi, your app has been crashing all week on my iPhone
        the app goes to a black screen and closes
        can't use the app at all, it crashes on startup
        the shopping app stops responding and then force closes
        every time I open the notifications in the app it crashes
        Your app has stopped working since the last update; it crashes whenever I try to browse.
        app crash when opening my profile
        the app gets stuck and I have to kill it
        app closes unexpectedly on my tablet
        the application quits when I try to apply a promo code
        the app freezes on the payment screen and crashes
        my app keeps saying "has stopped" and shuts down
        app crashes every time I rotate the phone
        the new version of the app crashes constantly
        the app won't stay open longer than a minute
        the app shuts itself down whenever I open the basket
        Since installing version 5 the application crashes as soon as I log in.
        app force closes on my pixel every single time
    """),
    "technical.website": lines("""
        your website is not loading
        the site shows an error 500 when I try to check out
        I can't add the {product} to the cart on the website
        the website is very slow and the page never loads
        search on your site doesn't work
        I get a blank page after login on the website
        the checkout button does nothing in Chrome
        your web page says service unavailable
        the promo code field on the site throws an error
        Your website has been down all morning. I get "502 bad gateway" on every page, on my laptop and on my phone's browser.
        filters in the catalogue dont work on the site
        page keeps reloading when I try to enter my address at checkout
        the site looks broken, no pictures and buttons all over the place
        Your website returns an error whenever I attempt to complete my purchase. Please look into it.
        site down?
        the website won't let me log in, page just refreshes
        your web shop is broken on Firefox
        getting a 404 on every product page
        the site is painfully slow today, pages take forever
        I can't see any images on your website
        the basket on the website empties itself
        hi, your website keeps showing an error when I try to pay
        the checkout page on the site is just blank
        the website says "too many requests" and won't load
        the links in your website menu are dead
        the site won't load on my phone browser
        Several pages on your website are not loading correctly and display a server error.
        your website crashed when I tried to place the order
        the search bar on the website returns nothing
        site keeps timing out
        the coupon code box on your web page is broken
        your webpage won't load past the cookie banner
        the website logs me out every few minutes
        when I click "add to cart" on the site nothing happens
        error loading page on your website, tried two browsers
        the web version of my account shows a server error
        captcha on your website never loads so I can't sign in
        I keep getting an error page on your site when I click on my orders
        Your site is not working in Safari; the buttons don't respond.
        website just shows a spinning wheel and never loads the page
    """),
    "general.opening_hours": lines("""
        what are your opening hours?
        is the {city} store open on Sunday?
        what time do you close today
        are you open on public holidays
        when does your support work, can I call at night?
        opening hours of the pickup point on {street}
        what time does the shop open on {date}
        is your office in {city} open on Saturday
        till what time can i come in today
        Hi, I'd like to visit the {city} store this weekend. Could you tell me when it opens and closes on Saturday and Sunday?
        r u open on christmas eve
        what hours is the collection point at {street} staffed
        how late is the phone line open
        Could you kindly confirm the opening times of your {city} branch during the holiday period?
        hours?
        when are you open
        what time does the store on {street} open tomorrow
        is the shop open late on Thursdays
        are you closed on bank holidays
        what are the hours of your customer service phone line
        hi, is the {city} shop open right now
        what time can I collect my parcel from the pickup point
        do you open on Sunday mornings
        when does the store close on Saturday
        what are your working hours over the new year
        Please advise the business hours of your support team.
        is the showroom on {street} open at weekends
        what time does the pick up point close today
        is your chat support available 24/7
        until when is the {city} store open tonight
        opening times for easter?
        hey whats the earliest time I can come in
        do you have evening hours at the {city} shop
        can I visit the store on {date}, are you open
        what are the office hours for returns in person
        is the store open during lunch
        do you keep the same hours on bank holiday mondays or shorter ones
        how long are you open today
        what are the store hours in {city} on weekdays
        Could you tell me whether the {city} shop is open on Sunday afternoon?
    """),
}

PHRASEBOOK = Phrasebook(
    templates=TEMPLATES,
    context=(
        "I ordered the {product} on {date}.", "My order number is {order}.", "I paid {amount} by card.",
        "The courier brought it {date}.", "I already wrote to you by email.", "I use your app.",
        "I've been your customer for years.", "I called yesterday but the line was busy.",
        "My account email is {email}.", "Last time the refund was quick.", "I live in {city}.",
    ),
    openers=("Hi", "Hello", "Good morning", "Hi there,", "Hey", "Dear support,", "hello?", "Good afternoon,"),
    closers=("Thanks", "Thank you", "please help", "Regards, Anna", "thx", "waiting for your answer", "Cheers"),
    products=(
        ("coffee machine",), ("phone",), ("jacket",), ("headphones",), ("vacuum cleaner",), ("kettle",),
        ("sneakers",), ("laptop",), ("blender",), ("TV",), ("iPhone case",), ("Dyson hairdryer",),
    ),
    dates=("Monday", "Friday", "the 12th", "March 3", "last week", "yesterday", "12/03", "the weekend"),
    cities=("London", "Manchester", "Leeds", "Bristol"),
    streets=("12 Baker Street", "5 High Road", "77 Station Lane", "3 Mill Close"),
)  # fmt: skip
