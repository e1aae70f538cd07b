// the inbox column: written by desktop-inbox
