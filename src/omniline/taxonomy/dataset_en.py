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
