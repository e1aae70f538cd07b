"""The `wechat` channel: a WeChat Official Account's XML callbacks in, customer-service messages out."""
